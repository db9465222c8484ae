from __future__ import annotations

import libcst as cst

from qgate.analyzers.cst.rule import CstRule, Invalid, Valid
from qgate.model import IssueType, Severity


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


class NoneComparison(CstRule):
    """Comparisons to ``None`` should use ``is`` / ``is not``.

    ``x == None`` calls ``x.__eq__``, which a class may override (NumPy arrays, ORM columns), so it
    does not reliably test for ``None``; ``x is None`` does, and is faster. Reported for ``==`` and
    ``!=`` with ``None`` on either side, in chained comparisons too. Like pycodestyle E711 / pylint
    C0121.
    """

    id = "QG112"
    name = "none-comparison"
    type = IssueType.CODE_SMELL
    severity = Severity.MINOR
    effort_minutes = 2
    tags = ("pitfall", "convention")

    VALID = [
        Valid(
            """
            if x is None or y is not None:
                pass
            """
        ),
        Valid(
            """
            same = x == y
            flag = value == "None"
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            if result == None:
                pass
            """,
            line=1,
            column=4,
        ),
        Invalid(
            """
            ok = (None != value)
            check(a < b != None)
            """,
            line=1,
            column=7,
            more=((2, 7),),
        ),
    ]

    def visit_Comparison(self, node: cst.Comparison) -> None:
        left = node.left
        for target in node.comparisons:
            if isinstance(target.operator, (cst.Equal, cst.NotEqual)) and (_is_none(left) or _is_none(target.comparator)):
                operator = "==" if isinstance(target.operator, cst.Equal) else "!="
                replacement = "is" if operator == "==" else "is not"
                self.report(node, f"Use '{replacement}' instead of '{operator}' to compare with None.")
                return
            left = target.comparator
