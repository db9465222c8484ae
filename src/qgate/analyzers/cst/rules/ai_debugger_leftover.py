from __future__ import annotations

from typing import Any

import libcst as cst

from qgate.analyzers.cst.rule import Invalid, Valid, dotted_name
from qgate.analyzers.cst.rules._ai import AI_TAG, ContextTracking
from qgate.model import IssueType, Severity

# Modules that exist only to debug interactively: importing one is already a leftover.
DEBUG_ONLY_MODULES = frozenset({"ipdb", "pudb", "icecream", "rpdb", "remote_pdb", "web_pdb", "pdbpp", "bpdb", "wdb"})
# Module -> functions that stop the program (or print) for debugging.
_DEBUG_CALLS: dict[str, frozenset[str]] = {
    "pdb": frozenset({"set_trace"}),
    "ipdb": frozenset({"set_trace", "sset_trace"}),
    "pudb": frozenset({"set_trace"}),
    "rpdb": frozenset({"set_trace"}),
    "remote_pdb": frozenset({"set_trace"}),
    "web_pdb": frozenset({"set_trace"}),
    "bpdb": frozenset({"set_trace"}),
    "wdb": frozenset({"set_trace"}),
    "pydevd": frozenset({"settrace"}),
    "debugpy": frozenset({"breakpoint", "wait_for_client"}),
    "IPython": frozenset({"embed"}),
    "icecream": frozenset({"ic"}),
}


class DebuggerLeftover(ContextTracking):
    """Debugging statements should not be committed.

    ``breakpoint()``, ``pdb.set_trace()`` (and ``ipdb``/``pudb``/``remote_pdb``...), ``IPython.embed()``,
    ``debugpy.wait_for_client()`` stop the program and wait for someone at a
    terminal: in a server or a CI job, it hangs. ``ic(...)`` from icecream prints to stderr. Imports of
    debug-only packages (``ipdb``, ``pudb``, ``icecream``...) are reported too: they are leftovers, and
    not dependencies of the project. A coding assistant's debugging session leaves them behind.

    Not reported: ``import pdb`` alone (``pdb.post_mortem`` in a test runner is legitimate), imports in
    a ``try`` that catches ``ImportError`` (optional support of a debugger: ``try: import ipdb as pdb``),
    ``code.interact()`` (a REPL is usually the point), and ``print()``, which QG108 covers. Like ruff T100.
    """

    id = "QGA107"
    name = "debugger-leftover"
    type = IssueType.BUG
    severity = Severity.MAJOR
    effort_minutes = 2
    cwe = (489,)
    tags = (AI_TAG, "debugging")

    VALID = [
        Valid(
            """
            import pdb
            try:
                import ipdb as debugger
            except ImportError:
                debugger = pdb

            def run_tests(debug):
                try:
                    run()
                except Exception:
                    if debug:
                        pdb.post_mortem()
                    raise
            """
        ),
        Valid(
            """
            from mypkg.debug import set_trace_id
            tracer.set_trace(span)
            ic = IntegratedCircuit()
            ic(3)
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            def checkout(cart):
                total = cart.total()
                breakpoint()
                import pdb; pdb.set_trace()
                return total
            """,
            line=3,
            column=5,
            more=((4, 17),),
        ),
        Invalid(
            """
            import ipdb
            from icecream import ic
            from IPython import embed as shell

            def handler(event):
                ic(event)
                ipdb.set_trace()
                shell()
            """,
            line=1,
            column=8,
            more=((2, 6), (6, 5), (7, 5), (8, 5)),
        ),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._aliases: dict[str, str] = {}  # local name -> "module.function" or "module"

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            module = dotted_name(alias.name)
            local = dotted_name(alias.asname.name) if alias.asname is not None else module
            self._aliases[local] = module
            if module.split(".", 1)[0] in DEBUG_ONLY_MODULES and not self.in_import_guard:
                self.report(alias.name, f"Debug-only module '{module}' is imported: remove the debugging leftover.")

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.relative or node.module is None:
            return
        module = dotted_name(node.module)
        if module.split(".", 1)[0] in DEBUG_ONLY_MODULES and not self.in_import_guard:
            self.report(node.module, f"Debug-only module '{module}' is imported: remove the debugging leftover.")
        if isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            name = dotted_name(alias.name)
            local = dotted_name(alias.asname.name) if alias.asname is not None else name
            self._aliases[local] = f"{module}.{name}"

    def visit_Call(self, node: cst.Call) -> None:
        name = dotted_name(node.func)
        if not name:
            return
        if name == "breakpoint" and "breakpoint" not in self._aliases:
            self.report(node, "breakpoint() stops the program for a debugger: remove the debugging leftover.")
            return
        head, _, rest = name.partition(".")
        resolved = f"{self._aliases[head]}.{rest}" if head in self._aliases and rest else self._aliases.get(head, "")
        module, _, function = resolved.rpartition(".")
        if function in _DEBUG_CALLS.get(module, ()):
            self.report(node, f"{resolved}() is a debugging leftover: remove it.")
