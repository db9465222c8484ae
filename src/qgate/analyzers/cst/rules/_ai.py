"""Helpers shared by the ``ai`` rule pack (QGA1xx): defects typical of code written by coding assistants."""

from __future__ import annotations

import posixpath
import re
from typing import Any, Optional, Union

import libcst as cst

from qgate.analyzers.cst.rule import CstRule, dotted_name

AI_TAG = "ai"

# A comment that says the code around it is unfinished.
PLACEHOLDER_COMMENT = re.compile(
    r"\b(?:todo|fixme|tbd)\b|placeholder|\bstub(?:bed)?\b|your\s+code\s+here|implementation\s+goes\s+here|"
    r"implement\s+(?:me|this|here|logic)\b|implement\s+the\s+(?:logic|actual|real)|(?:add|actual|real)\s+implementation|"
    r"not\s+(?:yet\s+)?implemented|fill\s+(?:this\s+)?in\b|\bfor\s+now\b|"
    r"mock(?:ed)?\s+(?:value|data|response|implementation)|hard-?coded\s+for|"
    r"in\s+a\s+real\s+(?:implementation|app|application|system|world)|replace\s+(?:this\s+)?with\s+(?:a\s+|the\s+)?real|"
    r"simplified\s+(?:version|implementation|check|logic)",
    re.IGNORECASE,
)


def is_test_file(path: str) -> bool:
    """A file a test runner collects: ``test*.py`` (pytest's ``test_*.py``, Django's ``tests.py``) or ``*_test.py``."""
    name = posixpath.basename(path)
    return name.startswith("test") and name.endswith(".py") or name.endswith("_test.py")


def is_test_path(path: str) -> bool:
    """``test_*.py``, ``*_test.py``, ``conftest.py``, or any file under a ``tests``/``test`` directory."""
    name = posixpath.basename(path)
    if name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py":
        return True
    parts = path.split("/")[:-1]
    return any(part in ("tests", "test", "testing") for part in parts)


def suite_comments(body: cst.BaseSuite) -> list[str]:
    """The comments of a suite: on the header line, before each statement, trailing each simple line, footer."""
    comments: list[str] = []
    if isinstance(body, cst.SimpleStatementSuite):
        if body.trailing_whitespace.comment is not None:
            comments.append(body.trailing_whitespace.comment.value)
        return comments
    if body.header.comment is not None:
        comments.append(body.header.comment.value)
    for statement in body.body:
        comments.extend(line.comment.value for line in statement.leading_lines if line.comment is not None)
        if isinstance(statement, cst.SimpleStatementLine) and statement.trailing_whitespace.comment is not None:
            comments.append(statement.trailing_whitespace.comment.value)
    comments.extend(line.comment.value for line in body.footer if line.comment is not None)
    return comments


def is_type_checking_test(test: cst.BaseExpression) -> bool:
    return dotted_name(test).rsplit(".", 1)[-1] == "TYPE_CHECKING"


_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


def catches_import_error(node: Union[cst.Try, cst.TryStar]) -> bool:
    for handler in node.handlers:
        kind = handler.type
        if kind is None:
            return True
        names = [e.value for e in kind.elements] if isinstance(kind, cst.Tuple) else [kind]
        if any(dotted_name(n).rsplit(".", 1)[-1] in _IMPORT_ERRORS for n in names):
            return True
    return False


class ContextTracking(CstRule):
    """A base (no ``id``, never discovered) tracking whether the traversal is inside a ``try`` that catches
    ``ImportError`` (body or handlers) and inside the body of ``if TYPE_CHECKING:``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._guarded = 0
        self._type_checking = 0
        self._tc_bodies: set[int] = set()
        self._try_stack: list[bool] = []
        self._functions = 0
        #: Top-level modules imported in a guarded (try/except ImportError) or TYPE_CHECKING import so far.
        self.optional_modules: set[str] = set()

    @property
    def in_import_guard(self) -> bool:
        return self._guarded > 0

    @property
    def in_type_checking(self) -> bool:
        return self._type_checking > 0

    @property
    def in_function(self) -> bool:
        return self._functions > 0

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._functions += 1

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._functions -= 1

    def optional_import(self, node: Union[cst.Import, cst.ImportFrom]) -> bool:
        """True for an import that is guarded or type-only, or of a module such an import already loaded
        (``try: import MySQLdb except ImportError: raise ...`` then ``from MySQLdb.constants import X``)."""
        modules = [module.split(".", 1)[0] for module, _ in imported_modules(node)]
        if self.in_import_guard or self.in_type_checking:
            self.optional_modules.update(modules)
            return True
        return bool(modules) and all(m in self.optional_modules for m in modules)

    def visit_Try(self, node: cst.Try) -> None:
        guarded = catches_import_error(node)
        self._try_stack.append(guarded)
        self._guarded += guarded

    def leave_Try(self, original_node: cst.Try) -> None:
        self._guarded -= self._try_stack.pop()

    def visit_TryStar(self, node: cst.TryStar) -> None:
        guarded = catches_import_error(node)
        self._try_stack.append(guarded)
        self._guarded += guarded

    def leave_TryStar(self, original_node: cst.TryStar) -> None:
        self._guarded -= self._try_stack.pop()

    def visit_If(self, node: cst.If) -> None:
        if is_type_checking_test(node.test):
            self._tc_bodies.add(id(node.body))

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        if id(node) in self._tc_bodies:
            self._type_checking += 1

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        if id(original_node) in self._tc_bodies:
            self._type_checking -= 1

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        if id(node) in self._tc_bodies:
            self._type_checking += 1

    def leave_SimpleStatementSuite(self, original_node: cst.SimpleStatementSuite) -> None:
        if id(original_node) in self._tc_bodies:
            self._type_checking -= 1


def imported_modules(node: Union[cst.Import, cst.ImportFrom]) -> list[tuple[str, cst.CSTNode]]:
    """(absolute dotted module, node to report) for each module an import statement loads; relative
    imports and ``__future__`` give nothing."""
    if isinstance(node, cst.Import):
        return [(dotted_name(alias.name), alias.name) for alias in node.names if dotted_name(alias.name)]
    if node.relative or node.module is None:
        return []
    module = dotted_name(node.module)
    if not module or module == "__future__":
        return []
    return [(module, node.module)]


def constant_value(node: cst.BaseExpression) -> Optional[str]:
    """A short rendering of a constant expression (literal, empty container, None/True/False), None otherwise."""
    if isinstance(node, cst.Name) and node.value in ("None", "True", "False"):
        return node.value
    if isinstance(node, (cst.Integer, cst.Float, cst.Imaginary)):
        return node.value
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        inner = constant_value(node.expression)
        return f"-{inner}" if inner is not None else None
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        return "a string literal"
    if isinstance(node, (cst.List, cst.Tuple, cst.Set, cst.Dict)) and not node.elements:
        return {cst.List: "[]", cst.Tuple: "()", cst.Set: "set()", cst.Dict: "{}"}[type(node)]
    if isinstance(node, (cst.List, cst.Tuple, cst.Dict)) and all(
        constant_value(e.value if not isinstance(e, cst.DictElement) else e.value) is not None
        and (not isinstance(e, cst.DictElement) or constant_value(e.key) is not None)
        for e in node.elements
        if isinstance(e, (cst.Element, cst.DictElement))
    ) and all(isinstance(e, (cst.Element, cst.DictElement)) for e in node.elements):
        return "a constant " + {cst.List: "list", cst.Tuple: "tuple", cst.Dict: "dict"}[type(node)]
    return None
