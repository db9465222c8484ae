from __future__ import annotations

from typing import Any

import libcst as cst
from pydantic import Field

from qgate.analyzers.base import NoOptions
from qgate.analyzers.cst.rule import CstRule, Invalid, Valid
from qgate.model import IssueType, Severity


class TooDeepNesting(CstRule):
    """Control flow statements should not be nested too deeply.

    Code nested in many ``if``/``for``/``while``/``try``/``with``/``match`` blocks is hard to read and
    to test. Extract the inner part into a function, return early, or invert conditions.

    Depth is counted per function (and per class body, and for module-level code): each of those
    statements adds one level, ``elif``/``else``/``except``/``finally``/``case`` clauses do not. The
    first statement deeper than ``max`` is reported, once per outermost too-deep block (statements
    nested further inside it are not reported again). Like SonarQube S134.

    Options: ``max`` (default 4), the deepest nesting allowed.
    """

    id = "QG115"
    name = "too-deep-nesting"
    type = IssueType.CODE_SMELL
    severity = Severity.CRITICAL
    effort_minutes = 10
    tags = ("brain-overload",)

    class Options(NoOptions):
        max: int = Field(default=4, ge=1, description="Deepest nesting of control flow statements allowed.")

    VALID = [
        Valid(
            """
            def f():
                for a in x:
                    if a:
                        while b:
                            with c:
                                go()
                    elif d:
                        pass
                    else:
                        try:
                            go()
                        except E:
                            pass
            """
        ),
        Valid(
            """
            for a in x:
                if a:
                    while b:
                        def inner():
                            if c:
                                if d:
                                    go()
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            def f():
                for a in x:
                    if a:
                        while b:
                            with c:
                                try:
                                    if d:
                                        go()
                                finally:
                                    pass
                            if e:
                                if f:
                                    pass
            """,
            line=6,
            column=21,
            more=((12, 21),),
        ),
        Invalid(
            """
            if a:
                pass
            elif b:
                match c:
                    case 1:
                        for x in y:
                            pass
            """,
            line=6,
            column=13,
            options={"max": 2},
        ),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._depths: list[int] = [0]  # one counter per function/class body, innermost last
        self._elifs: set[int] = set()

    def _enter(self, node: cst.CSTNode) -> None:
        self._depths[-1] += 1
        if self._depths[-1] == self.options.max + 1:
            self.report(node, f"Refactor this code to not nest more than {self.options.max} control flow statements.")

    def _leave(self) -> None:
        self._depths[-1] -= 1

    def visit_If(self, node: cst.If) -> None:
        if isinstance(node.orelse, cst.If):
            self._elifs.add(id(node.orelse))
        if id(node) not in self._elifs:
            self._enter(node)

    def leave_If(self, original_node: cst.If) -> None:
        if id(original_node) not in self._elifs:
            self._leave()

    def visit_For(self, node: cst.For) -> None:
        self._enter(node)

    def leave_For(self, original_node: cst.For) -> None:
        self._leave()

    def visit_While(self, node: cst.While) -> None:
        self._enter(node)

    def leave_While(self, original_node: cst.While) -> None:
        self._leave()

    def visit_Try(self, node: cst.Try) -> None:
        self._enter(node)

    def leave_Try(self, original_node: cst.Try) -> None:
        self._leave()

    def visit_TryStar(self, node: cst.TryStar) -> None:
        self._enter(node)

    def leave_TryStar(self, original_node: cst.TryStar) -> None:
        self._leave()

    def visit_With(self, node: cst.With) -> None:
        self._enter(node)

    def leave_With(self, original_node: cst.With) -> None:
        self._leave()

    def visit_Match(self, node: cst.Match) -> None:
        self._enter(node)

    def leave_Match(self, original_node: cst.Match) -> None:
        self._leave()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._depths.append(0)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._depths.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._depths.append(0)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._depths.pop()
