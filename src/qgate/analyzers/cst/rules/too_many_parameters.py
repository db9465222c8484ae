from __future__ import annotations

from typing import Any

import libcst as cst
from pydantic import Field

from qgate.analyzers.base import NoOptions
from qgate.analyzers.cst.rule import CstRule, Invalid, Valid, decorator_names
from qgate.model import IssueType, Severity


def parameter_count(params: cst.Parameters, skip_first: bool) -> int:
    positional = [*params.posonly_params, *params.params]
    count = len(positional) - (1 if skip_first and positional else 0)
    count += len(params.kwonly_params)
    if isinstance(params.star_arg, cst.Param):  # a bare "*" separator is not a parameter
        count += 1
    if params.star_kwarg is not None:
        count += 1
    return count


class TooManyParameters(CstRule):
    """Functions should not have too many parameters.

    A long parameter list is hard to call correctly and usually means the function does too much.
    Group related parameters into an object, or split the function. Counted: positional-only,
    positional and keyword-only parameters, ``*args`` and ``**kwargs``; not counted: ``self``/``cls``
    (the first parameter of a method that is not a ``@staticmethod``) and the bare ``*`` separator.
    Like SonarQube S107 / pylint R0913.

    Options: ``max`` (default 7), the largest number of parameters allowed.
    """

    id = "QG114"
    name = "too-many-parameters"
    type = IssueType.CODE_SMELL
    severity = Severity.MAJOR
    effort_minutes = 20
    tags = ("brain-overload",)

    class Options(NoOptions):
        max: int = Field(default=7, ge=0, description="Largest number of parameters allowed.")

    VALID = [
        Valid(
            """
            class C:
                def method(self, a, b, c, d, e, f, g):
                    pass

                @classmethod
                def build(cls, a, b, c, d, e, f, *, g):
                    pass
            """
        ),
        Valid(
            """
            def f(a, b, c, d, e, f, *args):
                pass
            """
        ),
        Valid(
            """
            def f(a, b, c):
                pass
            """,
            options={"max": 3},
        ),
    ]
    INVALID = [
        Invalid(
            """
            def f(a, b, c, d, e, f, g, h):
                pass
            """,
            line=1,
            column=5,
        ),
        Invalid(
            """
            class C:
                @staticmethod
                def make(a, b, c, d, e, f, *args, **kwargs):
                    pass

                async def run(self, a, /, b, *, c, d, e, f, g, h):
                    pass
            """,
            line=3,
            column=9,
            more=((6, 15),),
        ),
        Invalid(
            """
            def f(self, a, b):
                pass
            """,
            line=1,
            column=5,
            options={"max": 2},
        ),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._scopes: list[bool] = []  # is the scope a class body?

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._scopes.append(True)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._scopes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        is_method = bool(self._scopes) and self._scopes[-1]
        self._scopes.append(False)
        skip_first = is_method and not any(d.rsplit(".", 1)[-1] == "staticmethod" for d in decorator_names(node))
        count = parameter_count(node.params, skip_first)
        limit = self.options.max
        if count > limit:
            self.report(
                node.name,
                f"Function '{node.name.value}' has {count} parameters, which is more than the {limit} allowed.",
            )

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._scopes.pop()
