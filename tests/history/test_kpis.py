"""KPIs computed by hand on a small hand-built history, then the same loader path through both stores.

The history (project acme/app; hours after Monday 2025-03-03 09:00 UTC, ISO week 2025-W10):

    analysis  hours  branch  PR  gate    duration  vulns  hotspots
    1         0      main    -   passed  10        2      1
    2         10     feat    5   failed  20
    3         24     main    -   passed  30        1      1
    4         30     fix     6   passed  40
    5         48     main    -   failed  50        0      0
    6         400    main    -   passed  60        0      0     (2025-03-19 13:00, W12)
    7         402    main    -   passed  70        3      2     (same day, 15:00)

    tracked  branch  first (hours)    kind      type/severity            closed   PR saw it new
    t1       main    1 (0)            baseline  vulnerability/critical   24       -
    t2       main    1 (0)            baseline  code_smell/major         400      -   (fixed 24, reopened 48, fixed 400)
    t3       main    3 (24)           opened    code_smell/minor         48       at 10
    t4       main    3 (24)           opened    bug/major                400      -
    t5       main    5 (48)           opened    code_smell/major         open     at 30
    t6       main    6 (400)          opened    vulnerability/critical   open     at 500 (after: escaped)
    t7       feat    2 (10)           opened (new code)                  open
    t8       fix     4 (30)           baseline                           open
"""

from __future__ import annotations

import pytest

from qgate.errors import UsageError
from qgate.history.kpis import (
    BranchIssues,
    Durations,
    EscapeRate,
    History,
    Rate,
    Remediation,
    WeekCount,
    compute_kpis,
    infer_main_branch,
    parse_since,
    percentile,
)
from qgate.history.record import record_analysis
from qgate.history.store import open_store
from qgate.model import IssueType, Severity

from .history_support import analysis, at, event, issue, pr_new, report, tracked

HISTORY = History(
    analyses=(
        analysis(1, 0, duration=10, vulns=2, hotspots=1),
        analysis(2, 10, branch="feat", pr=5, status="failed", duration=20),
        analysis(3, 24, duration=30, vulns=1, hotspots=1),
        analysis(4, 30, branch="fix", pr=6, duration=40),
        analysis(5, 48, status="failed", duration=50),
        analysis(6, 400, duration=60),
        analysis(7, 402, duration=70, vulns=3, hotspots=2),
    ),
    tracked=(
        tracked(1, 1, 0, type="vulnerability", severity="critical", closed_hours=24, closed_by=3),
        tracked(2, 1, 0, closed_hours=400, closed_by=6, reopens=1),
        tracked(3, 3, 24, severity="minor", closed_hours=48, closed_by=5, fp="fpA"),
        tracked(4, 3, 24, type="bug", closed_hours=400, closed_by=6),
        tracked(5, 5, 48, fp="fpB"),
        tracked(6, 6, 400, type="vulnerability", severity="critical", fp="fpC"),
        tracked(7, 2, 10, branch="feat", new=True),
        tracked(8, 4, 30, branch="fix"),
    ),
    events=(
        event(1, 1, "opened", 0), event(2, 1, "opened", 0), event(7, 2, "opened", 10),
        event(1, 3, "fixed", 24), event(2, 3, "fixed", 24), event(3, 3, "opened", 24), event(4, 3, "opened", 24),
        event(8, 4, "opened", 30),
        event(3, 5, "fixed", 48), event(2, 5, "reopened", 48), event(5, 5, "opened", 48),
        event(2, 6, "fixed", 400), event(4, 6, "fixed", 400), event(6, 6, "opened", 400),
    ),
    pr_new=(pr_new("fpA", 10), pr_new("fpB", 30), pr_new("fpC", 500), pr_new("fp4", 1, project="other/app")),
)


def test_whole_history():
    k = compute_kpis(HISTORY)
    assert k.projects == ("acme/app",) and k.lifecycle_branch == "main" and k.analyses == 7
    assert k.pass_rate.overall == Rate(passed=5, total=7, percent=71.43)
    assert k.pass_rate.main_branch == Rate(passed=4, total=5, percent=80.0)
    assert k.pass_rate.pull_requests == Rate(passed=1, total=2, percent=50.0)
    assert k.branches == (
        BranchIssues(project="acme/app", branch="feat", analyses=1, baseline=0, opened=1, fixed=0, reopened=0, open=1),
        BranchIssues(project="acme/app", branch="fix", analyses=1, baseline=1, opened=0, fixed=0, reopened=0, open=1),
        BranchIssues(project="acme/app", branch="main", analyses=5, baseline=2, opened=4, fixed=5, reopened=1, open=2),
    )
    # closed: t1 24 h, t2 400 h (reopened: first-seen kept), t3 24 h, t4 376 h
    assert k.mttr.overall == Remediation(count=4, mean_hours=206.0, median_hours=200.0)
    assert k.mttr.by_type == {
        "bug": Remediation(count=1, mean_hours=376.0, median_hours=376.0),
        "code_smell": Remediation(count=2, mean_hours=212.0, median_hours=212.0),
        "vulnerability": Remediation(count=1, mean_hours=24.0, median_hours=24.0),
    }
    assert k.mttr.by_severity == {
        "critical": Remediation(count=1, mean_hours=24.0, median_hours=24.0),
        "major": Remediation(count=2, mean_hours=388.0, median_hours=388.0),
        "minor": Remediation(count=1, mean_hours=24.0, median_hours=24.0),
    }
    assert [(p.analysis_id, p.vulnerabilities, p.security_hotspots) for p in k.security_trend] == [
        (1, 2, 1), (3, 1, 1), (5, 0, 0), (6, 0, 0), (7, 3, 2)
    ]
    assert k.new_issues_per_week == (
        WeekCount(week="2025-W10", count=3), WeekCount(week="2025-W11", count=0), WeekCount(week="2025-W12", count=1)
    )
    assert k.escape_rate == EscapeRate(escaped=2, total=4, percent=50.0)  # t4 never in a PR, t6 seen there too late
    assert k.duration_seconds == Durations(count=7, p50=40.0, p90=64.0, p95=67.0)


def test_trend_per_day_keeps_the_last_analysis_of_each_day():
    k = compute_kpis(HISTORY, trend="day")
    assert [(p.analysis_id, p.at, p.vulnerabilities) for p in k.security_trend] == [
        (1, at(0), 2), (3, at(24), 1), (5, at(48), 0), (7, at(402), 3)
    ]


def test_since_limits_every_windowed_kpi():
    k = compute_kpis(HISTORY, since=at(30))
    assert k.analyses == 4
    assert k.pass_rate.overall == Rate(passed=3, total=4, percent=75.0)
    assert k.pass_rate.main_branch == Rate(passed=2, total=3, percent=66.67)
    assert k.branches == (
        BranchIssues(project="acme/app", branch="fix", analyses=1, baseline=1, opened=0, fixed=0, reopened=0, open=1),
        BranchIssues(project="acme/app", branch="main", analyses=3, baseline=0, opened=2, fixed=3, reopened=1, open=2),
    )
    assert k.mttr.overall == Remediation(count=3, mean_hours=266.67, median_hours=376.0)  # t3 24, t2 400, t4 376
    assert k.escape_rate == EscapeRate(escaped=1, total=2, percent=50.0)
    assert k.new_issues_per_week == (WeekCount(week="2025-W10", count=1), WeekCount(week="2025-W11", count=0), WeekCount(week="2025-W12", count=1))
    assert k.duration_seconds == Durations(count=4, p50=55.0, p90=67.0, p95=68.5)


def test_branch_scope_moves_the_lifecycle_kpis_to_that_branch():
    k = compute_kpis(HISTORY, branch="feat")
    assert (k.analyses, k.lifecycle_branch) == (1, "feat")
    assert k.pass_rate.pull_requests == Rate(passed=0, total=1, percent=0.0)
    assert k.pass_rate.main_branch == Rate(passed=0, total=0, percent=None)
    assert [p.analysis_id for p in k.security_trend] == [2]  # a PR branch's own analyses are its trend
    assert k.new_issues_per_week == (WeekCount(week="2025-W10", count=1),)
    assert k.mttr.overall == Remediation(count=0, mean_hours=None, median_hours=None)
    assert k.escape_rate == EscapeRate(escaped=2, total=4, percent=50.0)


def test_empty_history():
    k = compute_kpis(History())
    assert (k.analyses, k.projects, k.branches, k.security_trend, k.new_issues_per_week) == (0, (), (), (), ())
    assert k.pass_rate.overall == Rate(passed=0, total=0, percent=None)
    assert k.escape_rate == EscapeRate(escaped=0, total=0, percent=None)
    assert k.duration_seconds == Durations(count=0, p50=None, p90=None, p95=None)


def test_percentile_interpolates_between_closest_ranks():
    assert percentile([3.0], 0.9) == 3.0
    assert percentile([4.0, 1.0, 3.0, 2.0], 0.5) == 2.5
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 0.9) == pytest.approx(4.6)
    assert percentile([], 0.5) is None


def test_parse_since_and_main_branch():
    now = at(1000)
    assert parse_since("90d", now) == at(1000 - 90 * 24)
    assert parse_since("2w", now) == at(1000 - 14 * 24)
    assert parse_since("48h", now) == at(952)
    assert parse_since("2025-03-04", now) == at(15)
    assert parse_since(None, now) is None
    with pytest.raises(UsageError, match="--since 'soon'"):
        parse_since("soon", now)
    assert infer_main_branch(HISTORY) == "main"
    master = History(analyses=(analysis(1, 0, branch="master"), analysis(2, 1, branch="dev")))
    assert infer_main_branch(master) == "master"
    assert compute_kpis(master, main_branch="master").pass_rate.main_branch == Rate(passed=1, total=1, percent=100.0)


# ---------------------------------------------------------------------------------------------- loaded from a store


def test_kpis_from_recorded_analyses(store_url, tmp_path):
    vuln = issue("B602", path="run.py", line=3, type=IssueType.VULNERABILITY, severity=Severity.CRITICAL)
    hot = issue("B105", path="cfg.py", line=1, type=IssueType.SECURITY_HOTSPOT, review="to_review")
    safe = issue("B106", path="cfg.py", line=2, type=IssueType.SECURITY_HOTSPOT, review="safe")
    reviewed = issue("QG101", path="app.py", line=8)
    escaped = issue("QG108", path="app.py", line=20)
    gh = lambda **extra: {"GITHUB_ACTIONS": "true", "GITHUB_SHA": "f" * 40, **extra}  # noqa: E731
    main = gh(GITHUB_EVENT_NAME="push", GITHUB_REF="refs/heads/main", GITHUB_REF_NAME="main")
    pr = gh(GITHUB_EVENT_NAME="pull_request", GITHUB_REF="refs/pull/3/merge", GITHUB_HEAD_REF="feat", GITHUB_BASE_REF="main")
    steps = [
        (main, report((vuln, hot, safe), duration=2.0), 0),
        (pr, report((vuln, hot, safe, issue("QG101", path="app.py", line=8, new=True)), status="failed", duration=4.0), 5),
        (main, report((vuln, hot, safe, reviewed, escaped), duration=6.0), 30),
        (main, report((hot, safe, reviewed, escaped), duration=8.0), 60),
    ]
    for env, rep, hours in steps:
        record_analysis(rep, root=tmp_path, url=store_url, project="acme/app", env=env, pull_request=None, base=None,
                        started_at=at(hours), config_hash="x")
    with open_store(store_url, tmp_path) as store:
        history = store.load_history("acme/app")
        assert store.load_history("nobody").analyses == ()
    pr_record = next(a for a in history.analyses if a.pull_request is not None)
    assert (pr_record.pull_request, pr_record.branch, pr_record.base, pr_record.ci_provider) == (3, "feat", "main", "github")
    k = compute_kpis(history)
    assert k.pass_rate.overall == Rate(passed=3, total=4, percent=75.0)
    assert k.pass_rate.pull_requests == Rate(passed=0, total=1, percent=0.0)
    assert [(p.vulnerabilities, p.security_hotspots) for p in k.security_trend] == [(1, 1), (1, 1), (0, 1)]
    assert k.escape_rate == EscapeRate(escaped=1, total=2, percent=50.0)  # QG108 escaped, QG101 was new in PR #3
    assert k.mttr.by_type == {"vulnerability": Remediation(count=1, mean_hours=60.0, median_hours=60.0)}
    assert [b.model_dump() for b in k.branches] == [
        dict(project="acme/app", branch="feat", analyses=1, baseline=3, opened=1, fixed=0, reopened=0, open=4),
        dict(project="acme/app", branch="main", analyses=3, baseline=3, opened=2, fixed=1, reopened=0, open=4),
    ]
    assert k.duration_seconds == Durations(count=4, p50=5.0, p90=7.4, p95=7.7)
