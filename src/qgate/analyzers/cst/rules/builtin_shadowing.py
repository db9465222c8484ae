from __future__ import annotations

from typing import Any, Iterator, Optional

import libcst as cst
from pydantic import Field

from qgate.analyzers.base import NoOptions
from qgate.analyzers.cst.rule import CstRule, Invalid, Valid
from qgate.model import IssueType, Severity

# The public names of the builtins module (CPython 3.10-3.13, without the names that site.py adds).
BUILTINS = frozenset(
    """
    ArithmeticError AssertionError AttributeError BaseException BaseExceptionGroup BlockingIOError
    BrokenPipeError BufferError BytesWarning ChildProcessError ConnectionAbortedError ConnectionError
    ConnectionRefusedError ConnectionResetError DeprecationWarning EOFError Ellipsis EncodingWarning
    EnvironmentError Exception ExceptionGroup False FileExistsError FileNotFoundError FloatingPointError
    FutureWarning GeneratorExit IOError ImportError ImportWarning IndentationError IndexError
    InterruptedError IsADirectoryError KeyError KeyboardInterrupt LookupError MemoryError
    ModuleNotFoundError NameError None NotADirectoryError NotImplemented NotImplementedError OSError
    OverflowError PendingDeprecationWarning PermissionError ProcessLookupError PythonFinalizationError
    RecursionError ReferenceError ResourceWarning RuntimeError RuntimeWarning StopAsyncIteration
    StopIteration SyntaxError SyntaxWarning SystemError SystemExit TabError TimeoutError True TypeError
    UnboundLocalError UnicodeDecodeError UnicodeEncodeError UnicodeError UnicodeTranslateError
    UnicodeWarning UserWarning ValueError Warning ZeroDivisionError abs aiter all anext any ascii bin
    bool breakpoint bytearray bytes callable chr classmethod compile complex delattr dict dir divmod
    enumerate eval exec filter float format frozenset getattr globals hasattr hash hex id input int
    isinstance issubclass iter len list locals map max memoryview min next object oct open ord pow print
    property range repr reversed round set setattr slice sorted staticmethod str sum super tuple type
    vars zip
    """.split()
)


def bound_names(target: cst.BaseExpression) -> Iterator[cst.Name]:
    """The names an assignment target binds (``a``, ``a, (b, *c)``); attributes and subscripts bind none."""
    if isinstance(target, cst.Name):
        yield target
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from bound_names(element.value)
    elif isinstance(target, cst.StarredElement):
        yield from bound_names(target.value)


class BuiltinShadowing(CstRule):
    """Names should not shadow Python builtins.

    Binding a name like ``list``, ``id``, ``type`` or ``input`` hides the builtin for the rest of the
    scope: a later call of the builtin gets the local value instead, and readers are misled. Pick
    another name (``items``, ``user_id``, ``kind``).

    Reported: assignment, annotated-assignment, ``for``, ``with ... as``, ``except ... as`` and walrus
    targets, function and class names, parameters (of functions, methods and lambdas) and import
    aliases (``import x as list``). Not reported: method names and class attributes (they live in the
    class namespace and do not shadow anything), and names listed in the ``ignore`` option. Like
    pylint W0622 / ruff A001, A002 / SonarQube S5806.

    Options: ``ignore`` (list of names to allow, e.g. ``["id", "type"]``).
    """

    id = "QG111"
    name = "builtin-shadowing"
    type = IssueType.CODE_SMELL
    severity = Severity.MAJOR
    effort_minutes = 5
    tags = ("pitfall", "confusing")

    class Options(NoOptions):
        ignore: tuple[str, ...] = Field(default=(), description="Builtin names that may be rebound.")

    VALID = [
        Valid(
            """
            class Model:
                id = 0
                type: str = "x"

                def filter(self, pk, **kwargs):
                    return self.list

                class list:
                    pass
            """
        ),
        Valid(
            """
            import builtins as _builtins
            from os import path as os_path
            obj.list = [1]
            values[id] = 2
            """
        ),
        Valid(
            """
            def get(id, type=None):
                return id
            """,
            options={"ignore": ["id", "type"]},
        ),
    ]
    INVALID = [
        Invalid(
            """
            list = [1, 2]
            def f(input, *, id=None):
                pass
            """,
            line=1,
            column=1,
            more=((2, 7), (2, 17)),
        ),
        Invalid(
            """
            for i, (dir, *all) in pairs:
                with open(p) as file, lock as max:
                    pass
            from json import loads as eval
            """,
            line=1,
            column=9,
            more=((1, 15), (2, 35), (4, 27)),
        ),
        Invalid(
            """
            def format(x):
                class type:
                    pass
                return lambda str: str
            """,
            line=1,
            column=5,
            more=((2, 11), (4, 19)),
        ),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._scopes: list[str] = []  # "class" or "function", innermost last
        self._names = BUILTINS - frozenset(self.options.ignore)

    def _in_class_body(self) -> bool:
        return bool(self._scopes) and self._scopes[-1] == "class"

    def _check(self, name: Optional[cst.BaseExpression], what: str) -> None:
        if name is None:
            return
        for bound in bound_names(name):
            if bound.value in self._names:
                self.report(bound, f"Rename this {what} '{bound.value}': it shadows the builtin of the same name.")

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if not self._in_class_body():
            self._check(node.name, "class")
        self._scopes.append("class")

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._scopes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if not self._in_class_body():
            self._check(node.name, "function")
        self._scopes.append("function")

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._scopes.pop()

    def visit_Param(self, node: cst.Param) -> None:
        self._check(node.name, "parameter")

    def visit_Assign(self, node: cst.Assign) -> None:
        if not self._in_class_body():
            for target in node.targets:
                self._check(target.target, "variable")

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if not self._in_class_body():
            self._check(node.target, "variable")

    def visit_For(self, node: cst.For) -> None:
        if not self._in_class_body():
            self._check(node.target, "variable")

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None and not self._in_class_body():
            self._check(node.asname.name, "variable")

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None and not self._in_class_body():
            self._check(node.name.name, "variable")

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._check(node.target, "variable")

    def visit_ImportAlias(self, node: cst.ImportAlias) -> None:
        if node.asname is not None and not self._in_class_body():
            self._check(node.asname.name, "import alias")
