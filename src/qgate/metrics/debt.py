"""Technical debt and the A-E ratings, with SonarQube's definitions. Pure functions.

* ``sqale_index`` (technical debt): the remediation effort of the code smells, in minutes;
* ``sqale_debt_ratio``: debt / (30 min x ncloc) x 100 (30 minutes is SonarQube's cost to develop a line);
* ``sqale_rating`` (maintainability): A <= 5 %, B <= 10 %, C <= 20 %, D <= 50 %, E above;
* ``reliability_rating``: A without bugs, B with at least one minor bug, C major, D critical, E blocker
  (info bugs leave it at A); ``security_rating`` the same over vulnerabilities;
* ``security_review_rating``: A when at least 80 % of hotspots are reviewed, B >= 70 %, C >= 50 %, D >= 30 %, E below.

Ratings are numbers 1 (A) to 5 (E), as SonarQube's API gives them, so that gate conditions compare them
(``new_reliability_rating gt 1`` fails on anything worse than A). On new code the debt ratio divides by the
new lines of code.
"""

from __future__ import annotations

from typing import Optional, Sequence

from qgate.model import Issue, IssueType, MetricValue, Severity

DEV_COST_MINUTES_PER_LINE = 30
MAINTAINABILITY_GRID = (5.0, 10.0, 20.0, 50.0)
_SEVERITY_RATING = {Severity.INFO: 1, Severity.MINOR: 2, Severity.MAJOR: 3, Severity.CRITICAL: 4, Severity.BLOCKER: 5}


def rating_letter(rating: Optional[float]) -> str:
    return "ABCDE"[int(rating) - 1] if rating else "-"


def maintainability_rating(debt_ratio: float) -> int:
    for rating, limit in enumerate(MAINTAINABILITY_GRID, start=1):
        if debt_ratio <= limit:
            return rating
    return 5


def worst_severity_rating(issues: Sequence[Issue], kind: IssueType) -> int:
    return max((_SEVERITY_RATING[i.severity] for i in issues if i.type is kind), default=1)


def review_rating(reviewed_percent: Optional[float]) -> Optional[int]:
    if reviewed_percent is None:
        return None
    for rating, floor in enumerate((80.0, 70.0, 50.0, 30.0), start=1):
        if reviewed_percent >= floor:
            return rating
    return 5


def debt_measures(issues: Sequence[Issue], ncloc: int, prefix: str = "") -> dict[str, MetricValue]:
    """Debt, debt ratio and the three ratings over ``issues`` (active ones), for ``ncloc`` lines of code.

    With ``prefix="new_"`` the keys are SonarQube's new-code keys (``new_technical_debt`` for the debt).
    """
    debt = sum(i.effort_minutes for i in issues if i.type is IssueType.CODE_SMELL)
    ratio = round(100.0 * debt / (DEV_COST_MINUTES_PER_LINE * ncloc), 1) if ncloc else 0.0
    debt_key = "new_technical_debt" if prefix == "new_" else "sqale_index"
    rating_key = "new_maintainability_rating" if prefix == "new_" else "sqale_rating"
    return {
        debt_key: debt,
        f"{prefix}sqale_debt_ratio": ratio,
        rating_key: maintainability_rating(ratio),
        f"{prefix}reliability_rating": worst_severity_rating(issues, IssueType.BUG),
        f"{prefix}security_rating": worst_severity_rating(issues, IssueType.VULNERABILITY),
        f"{prefix}reliability_remediation_effort": sum(i.effort_minutes for i in issues if i.type is IssueType.BUG),
        f"{prefix}security_remediation_effort": sum(
            i.effort_minutes for i in issues if i.type is IssueType.VULNERABILITY
        ),
    }
