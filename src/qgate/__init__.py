"""qgate: a quality gate for Python pull requests."""

__version__ = "0.1.0"
