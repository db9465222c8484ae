from __future__ import annotations

from typing import Any

import libcst as cst

from qgate.analyzers.cst.rule import CstRule, Invalid, Valid, block_has_comment, decorator_names, dotted_name
from qgate.model import IssueType, Severity

_EXEMPT_DECORATORS = frozenset(
    {
        "abstractmethod",
        "abstractproperty",
        "abstractclassmethod",
        "abstractstaticmethod",
        "overload",
        "abc.abstractmethod",
        "abc.abstractproperty",
        "abc.abstractclassmethod",
        "abc.abstractstaticmethod",
        "typing.overload",
        "typing_extensions.overload",
        "t.overload",
    }
)


def is_protocol_class(node: cst.ClassDef) -> bool:
    for base in node.bases:
        value = base.value
        if isinstance(value, cst.Subscript):
            value = value.value
        if dotted_name(value).rsplit(".", 1)[-1] == "Protocol":
            return True
    return False


class EmptyFunctionBody(CstRule):
    """Functions should not be empty without an explanation.

    A function whose body is only ``pass`` looks unfinished: the reader cannot tell whether doing
    nothing is intended. Implement it, raise ``NotImplementedError`` if it must be overridden, or add a
    comment (or a docstring) saying why it does nothing.

    Not reported (deliberate empty bodies): functions with a docstring or any comment in the body
    (including on the ``def`` line), ``...`` stubs, methods of ``Protocol`` classes, and functions
    decorated with ``@abstractmethod`` (and the other ``abc`` abstract decorators) or ``@overload``.
    Like SonarQube S1186.
    """

    id = "QG107"
    name = "empty-function-body"
    type = IssueType.CODE_SMELL
    severity = Severity.CRITICAL
    effort_minutes = 5
    tags = ("suspicious",)

    VALID = [
        Valid(
            '''
            def hook(self):
                """Subclasses may override; the default does nothing."""
                pass
            '''
        ),
        Valid(
            """
            def stub(x: int) -> int: ...

            class Base(abc.ABC):
                @abc.abstractmethod
                def run(self):
                    pass

                def on_close(self):
                    # nothing to release by default
                    pass
            """
        ),
        Valid(
            """
            class Reader(typing.Protocol[T]):
                def read(self) -> T:
                    pass

            @overload
            def f(x: int) -> int:
                pass
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            def todo():
                pass
            """,
            line=1,
            column=5,
        ),
        Invalid(
            """
            class Handler:
                @property
                def name(self): pass

                async def close(self):
                    pass
            """,
            line=3,
            column=9,
            more=((5, 15),),
        ),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._classes: list[bool] = []  # for each enclosing scope: is it a Protocol class body?

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._classes.append(is_protocol_class(node))

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._classes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        in_protocol = bool(self._classes) and self._classes[-1]
        self._classes.append(False)
        body = node.body
        statements = body.body
        if isinstance(body, cst.IndentedBlock):
            if len(statements) != 1 or not isinstance(statements[0], cst.SimpleStatementLine):
                return
            statements = statements[0].body
        if not statements or not all(isinstance(s, cst.Pass) for s in statements):
            return
        if in_protocol or block_has_comment(body):
            return
        if any(name in _EXEMPT_DECORATORS for name in decorator_names(node)):
            return
        self.report(
            node.name,
            f"Function '{node.name.value}' is empty: implement it, or add a comment explaining why it does nothing.",
        )

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._classes.pop()
