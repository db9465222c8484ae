import pytest

from qgate.metrics.debt import debt_measures, maintainability_rating, rating_letter, review_rating
from qgate.model import Issue, IssueType, Severity


def make(type_, severity=Severity.MAJOR, effort=10):
    return Issue(
        rule="R", tool="t", type=type_, severity=severity, message="m", path="a.py",
        line=1, end_line=1, column=1, end_column=2, effort_minutes=effort,
    )


@pytest.mark.parametrize(("ratio", "rating"), [(0.0, 1), (5.0, 1), (5.1, 2), (10.0, 2), (20.0, 3), (50.0, 4), (50.1, 5)])
def test_maintainability_grid(ratio, rating):
    assert maintainability_rating(ratio) == rating


def test_debt_counts_code_smells_only_and_divides_by_30_minutes_a_line():
    issues = [make(IssueType.CODE_SMELL, effort=30), make(IssueType.CODE_SMELL, effort=15), make(IssueType.BUG, effort=60)]
    measures = debt_measures(issues, ncloc=10)
    # 45 min / (30 min x 10 lines) = 15 %  -> C
    assert measures["sqale_index"] == 45
    assert measures["sqale_debt_ratio"] == 15.0
    assert measures["sqale_rating"] == 3
    assert measures["reliability_rating"] == 3  # one major bug
    assert measures["security_rating"] == 1
    assert measures["reliability_remediation_effort"] == 60


def test_ratings_follow_the_worst_severity():
    issues = [make(IssueType.VULNERABILITY, Severity.MINOR), make(IssueType.VULNERABILITY, Severity.BLOCKER),
              make(IssueType.BUG, Severity.INFO)]
    measures = debt_measures(issues, ncloc=100, prefix="new_")
    assert measures["new_security_rating"] == 5
    assert measures["new_reliability_rating"] == 1  # an info bug leaves reliability at A
    assert measures["new_technical_debt"] == 0
    assert measures["new_maintainability_rating"] == 1


def test_no_lines_means_no_ratio():
    assert debt_measures([], ncloc=0)["sqale_debt_ratio"] == 0.0


@pytest.mark.parametrize(("percent", "rating"), [(None, None), (100.0, 1), (80.0, 1), (79.9, 2), (50.0, 3), (30.0, 4), (0.0, 5)])
def test_review_rating(percent, rating):
    assert review_rating(percent) == rating


def test_letters():
    assert [rating_letter(r) for r in (1, 3, 5, None)] == ["A", "C", "E", "-"]
