from __future__ import annotations

import libcst as cst

from qgate.analyzers.cst.rule import CstRule, Invalid, Valid
from qgate.model import IssueType, Severity


class CollapsibleIf(CstRule):
    """Nested ``if`` statements that can be merged should be merged.

    An ``if`` (or ``elif``) without ``else`` whose whole body is another ``if`` without ``else`` is the
    same as one ``if`` on ``a and b``: merging them removes a nesting level. The inner ``if`` is
    reported. Like SonarQube S1066 / ruff SIM102.
    """

    id = "QG105"
    name = "collapsible-if"
    type = IssueType.CODE_SMELL
    severity = Severity.MAJOR
    effort_minutes = 5
    tags = ("clumsy",)

    VALID = [
        Valid(
            """
            if a:
                if b:
                    go()
                stop()
            """
        ),
        Valid(
            """
            if a:
                if b:
                    go()
                else:
                    stop()
            """
        ),
        Valid(
            """
            if a:
                if b:
                    go()
            else:
                stop()
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            if a:
                # only when b too
                if b:
                    go()
            """,
            line=3,
            column=5,
        ),
        Invalid(
            """
            def f():
                if a:
                    pass
                elif b:
                    if c:
                        return 1
            """,
            line=5,
            column=9,
        ),
    ]

    def visit_If(self, node: cst.If) -> None:
        if node.orelse is not None or not isinstance(node.body, cst.IndentedBlock):
            return
        if len(node.body.body) != 1:
            return
        inner = node.body.body[0]
        if isinstance(inner, cst.If) and inner.orelse is None:
            self.report(inner, "Merge this 'if' statement with the enclosing one.")
