from __future__ import annotations

import posixpath
from typing import Any

import libcst as cst

from qgate.analyzers.cst.rule import CstRule, Invalid, Valid
from qgate.model import IssueType, Severity

_SCRIPT_FILES = ("__main__.py", "conftest.py")


def is_script_path(path: str) -> bool:
    name = posixpath.basename(path)
    return name in _SCRIPT_FILES or (name.startswith("test_") and name.endswith(".py")) or name.endswith("_test.py")


def is_main_guard(test: cst.BaseExpression) -> bool:
    """``__name__ == "__main__"`` in either order."""
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    target = test.comparisons[0]
    if not isinstance(target.operator, cst.Equal):
        return False
    sides = (test.left, target.comparator)
    has_name = any(isinstance(s, cst.Name) and s.value == "__name__" for s in sides)
    has_main = any(isinstance(s, cst.SimpleString) and s.evaluated_value == "__main__" for s in sides)
    return has_name and has_main




class PrintCall(CstRule):
    """``print()`` should not be used in library code.

    Output written with ``print`` cannot be filtered, redirected or silenced by the application that
    uses the library, and is often a leftover from debugging. Use :mod:`logging`, or return the value.

    Not reported: calls inside an ``if __name__ == "__main__":`` block or inside a function named
    ``main``; calls that choose their stream with ``file=`` (``print(msg, file=sys.stderr)``), which is
    deliberate output; and everything in ``__main__.py``, ``conftest.py`` and test files
    (``test_*.py``, ``*_test.py``). Like ruff T201.
    """

    id = "QG108"
    name = "print-call"
    type = IssueType.CODE_SMELL
    severity = Severity.MINOR
    effort_minutes = 2
    tags = ("debugging",)

    VALID = [
        Valid(
            """
            def main():
                print("usage: tool FILE")

            if __name__ == "__main__":
                print(main())
            """
        ),
        Valid(
            """
            print("collected", n)
            """,
            path="tests/test_tool.py",
        ),
        Valid(
            """
            import sys

            def warn(msg):
                print(msg, file=sys.stderr)
                log.print("not the builtin")
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            def compute(x):
                print("debug", x)
                return x * 2
            """,
            line=2,
            column=5,
        ),
        Invalid(
            """
            if __name__ == "__main__":
                pass
            else:
                print("imported")
            if DEBUG: print(1)
            """,
            line=4,
            column=5,
            more=((5, 11),),
            path="pkg/testing.py",
        ),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._exempt_file = is_script_path(self.path)
        self._main_blocks: set[int] = set()
        self._exempt_depth = 0

    def visit_If(self, node: cst.If) -> None:
        if is_main_guard(node.test):
            self._main_blocks.add(id(node.body))

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        if id(node) in self._main_blocks:
            self._exempt_depth += 1

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        if id(original_node) in self._main_blocks:
            self._exempt_depth -= 1

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        if id(node) in self._main_blocks:
            self._exempt_depth += 1

    def leave_SimpleStatementSuite(self, original_node: cst.SimpleStatementSuite) -> None:
        if id(original_node) in self._main_blocks:
            self._exempt_depth -= 1

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.name.value == "main":
            self._exempt_depth += 1

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        if original_node.name.value == "main":
            self._exempt_depth -= 1

    def visit_Call(self, node: cst.Call) -> None:
        if self._exempt_file or self._exempt_depth:
            return
        if not (isinstance(node.func, cst.Name) and node.func.value == "print"):
            return
        if any(arg.keyword is not None and arg.keyword.value == "file" for arg in node.args):
            return
        self.report(node, "Replace this print() call with logging, or move it to a command-line entry point.")
