"""Built-in cst rules, one per module; discovered by :func:`qgate.analyzers.cst.discover_rules`."""
