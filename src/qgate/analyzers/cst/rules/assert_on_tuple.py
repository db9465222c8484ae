from __future__ import annotations

import libcst as cst

from qgate.analyzers.cst.rule import CstRule, Invalid, Valid
from qgate.model import IssueType, Severity


class AssertOnTuple(CstRule):
    """``assert`` should not be applied to a tuple.

    ``assert (x, "message")`` asserts a non-empty tuple, which is always true: the assertion can never
    fail. The parentheses were meant for the condition only: write ``assert x, "message"``. Only
    non-empty tuple literals are reported. Like pylint W0199 / ruff F631 / SonarQube S5905.
    """

    id = "QG113"
    name = "assert-on-tuple"
    type = IssueType.BUG
    severity = Severity.BLOCKER
    effort_minutes = 1
    tags = ("pitfall",)

    VALID = [
        Valid(
            """
            assert x, "x must be set"
            assert (x == (1, 2)), "message"
            """
        ),
        Valid(
            """
            assert ()
            assert isinstance(p, tuple)
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            assert (x, "x must be set")
            """,
            line=1,
            column=1,
        ),
        Invalid(
            """
            def f():
                assert (ok,)
                assert (
                    a,
                    b,
                ), "never fails"
            """,
            line=2,
            column=5,
            more=((3, 5),),
        ),
    ]

    def visit_Assert(self, node: cst.Assert) -> None:
        if isinstance(node.test, cst.Tuple) and len(node.test.elements) > 0:
            self.report(node, "Fix this assertion on a tuple literal: a non-empty tuple is always true.")
