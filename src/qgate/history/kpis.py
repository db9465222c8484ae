"""Key performance indicators over the recorded history. Pure functions over plain data.

:func:`compute_kpis` reads a :class:`History` (loaded once from the store, or built by hand in tests) and
never touches the database. Times are analysis timestamps (the start time of the analysis, UTC), never
wall-clock times of fixes. Definitions:

Scope
    The analyses considered are those of the chosen project (all projects when rolled up) started at or
    after ``since`` (all when None) and, with ``branch``, of that branch only. The **main branch** is
    ``main_branch`` (``main`` by default; :func:`infer_main_branch` picks ``master`` when only that one has
    analyses); a **main-branch analysis** is one on that branch that is not a pull-request analysis. A
    **pull-request analysis** is one with a pull-request number (from CI variables or ``--pull-request``).
    The **lifecycle branch** is ``branch`` when given, else the main branch: MTTR, the security trend and
    new issues per week are measured there.
Analyses
    The number of analyses in scope.
Quality gate pass rate
    Analyses whose gate passed over all analyses (a gate in error counts as not passed), as a percentage;
    overall, over main-branch analyses, and over pull-request analyses. None when there is no analysis.
Issues per branch (opened, fixed, reopened, baseline, open)
    Per project and branch, from the issue lifecycle (see :mod:`qgate.history.lifecycle`). **Opened**:
    issues first seen in scope, excluding the **baseline**, which are the issues the branch's first
    recorded analysis found on old code (they predate the history: an issue found by the first analysis
    counts as opened only when it was on new code). **Fixed**: closings in scope (an issue closed,
    reopened and closed again counts twice). **Reopened**: reopenings in scope. **Open**: issues open
    after the branch's latest analysis (not limited by ``since``).
Mean and median time to remediation (MTTR)
    GitHub security overview's formula: for each issue of the lifecycle branch that is closed now and was
    closed in scope, closed time minus first-seen time, in hours (a reopened issue keeps its first-seen
    time; its last closing counts). Mean and median over those issues, overall, by type and by severity
    (the issue's latest type and severity). Baseline issues count from the first analysis that saw them.
Open vulnerabilities and security hotspots over time
    One point per analysis of the lifecycle branch in scope (pull-request analyses left out when it is the
    main branch), in time order: the active vulnerabilities and the security hotspots not reviewed safe or
    fixed. With ``trend="day"``, one point per project and day (UTC): the day's last analysis.
New issues introduced per week
    Issues opened (as above: baseline excluded) on the lifecycle branch, by ISO week (``2025-W07``) of
    their first-seen time, every week from the first to the last one with issues (zero weeks included).
Defect escape rate
    Of the issues opened on the main branch in scope (baseline excluded), the percentage that escaped
    review: no pull-request analysis of the same project, started at or before the issue was first seen
    on the main branch, reported an issue with the same fingerprint as new. None when nothing was opened.
Analysis duration percentiles
    p50, p90 and p95 of the analysis durations in scope (seconds), linearly interpolated between the
    closest ranks (numpy's default, ``statistics.quantiles(method="inclusive")``).
"""

from __future__ import annotations

import math
import re
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Literal, Optional

from qgate.errors import UsageError
from qgate.model import Frozen

# ---------------------------------------------------------------------------------------------- the data


class AnalysisRecord(Frozen):
    id: int
    project: str
    branch: str
    commit: Optional[str] = None
    pull_request: Optional[int] = None
    base: Optional[str] = None
    started_at: datetime
    duration_seconds: float = 0.0
    gate_status: str
    qgate_version: str = ""
    config_hash: str = ""
    new_code_mode: str = "all"
    issue_count: int = 0
    ci_provider: Optional[str] = None
    vulnerabilities: int = 0
    open_hotspots: int = 0


class TrackedRecord(Frozen):
    """One issue's lifecycle on one branch (latest type and severity)."""

    id: int
    project: str
    branch: str
    rule: str = ""
    type: str
    severity: str
    status: Literal["open", "closed"]
    first_analysis_id: int
    first_seen_at: datetime
    first_new: bool = False
    first_fingerprint: str = ""
    closed_analysis_id: Optional[int] = None
    closed_at: Optional[datetime] = None
    reopen_count: int = 0


class EventRecord(Frozen):
    tracked_id: int
    analysis_id: int
    kind: Literal["opened", "fixed", "reopened"]
    at: datetime


class PrNewRecord(Frozen):
    """A fingerprint reported as new by a pull-request analysis of a project, and the earliest such time."""

    project: str
    fingerprint: str
    first_at: datetime


class History(Frozen):
    analyses: tuple[AnalysisRecord, ...] = ()
    tracked: tuple[TrackedRecord, ...] = ()
    events: tuple[EventRecord, ...] = ()
    pr_new: tuple[PrNewRecord, ...] = ()


# ---------------------------------------------------------------------------------------------- the results


class Rate(Frozen):
    passed: int
    total: int
    percent: Optional[float]


class PassRates(Frozen):
    overall: Rate
    main_branch: Rate
    pull_requests: Rate


class BranchIssues(Frozen):
    project: str
    branch: str
    analyses: int
    baseline: int
    opened: int
    fixed: int
    reopened: int
    open: int


class Remediation(Frozen):
    count: int
    mean_hours: Optional[float]
    median_hours: Optional[float]


class Mttr(Frozen):
    overall: Remediation
    by_type: dict[str, Remediation]
    by_severity: dict[str, Remediation]


class TrendPoint(Frozen):
    at: datetime
    project: str
    analysis_id: int
    commit: Optional[str] = None
    vulnerabilities: int
    security_hotspots: int


class WeekCount(Frozen):
    week: str
    count: int


class EscapeRate(Frozen):
    escaped: int
    total: int
    percent: Optional[float]


class Durations(Frozen):
    count: int
    p50: Optional[float]
    p90: Optional[float]
    p95: Optional[float]


class Kpis(Frozen):
    projects: tuple[str, ...]
    branch: Optional[str]
    main_branch: str
    lifecycle_branch: str
    since: Optional[datetime]
    analyses: int
    pass_rate: PassRates
    branches: tuple[BranchIssues, ...]
    mttr: Mttr
    security_trend: tuple[TrendPoint, ...]
    new_issues_per_week: tuple[WeekCount, ...]
    escape_rate: EscapeRate
    duration_seconds: Durations


# ---------------------------------------------------------------------------------------------- helpers


def percentile(values: Sequence[float], fraction: float) -> Optional[float]:
    """The ``fraction`` (0..1) percentile with linear interpolation between closest ranks; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = fraction * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _percent(part: int, whole: int) -> Optional[float]:
    return round(100.0 * part / whole, 2) if whole else None


def _round(value: Optional[float]) -> Optional[float]:
    return None if value is None else round(value, 3)


def iso_week(moment: datetime) -> str:
    year, week, _ = moment.astimezone(timezone.utc).isocalendar()
    return f"{year}-W{week:02d}"


def _weeks_between(first: datetime, last: datetime) -> list[str]:
    start = first.astimezone(timezone.utc).date()
    start -= timedelta(days=start.weekday())
    end = last.astimezone(timezone.utc).date()
    weeks = []
    while start <= end:
        year, week, _ = start.isocalendar()
        weeks.append(f"{year}-W{week:02d}")
        start += timedelta(days=7)
    return weeks


_SINCE = re.compile(r"^(\d+)\s*([hdw])$")


def parse_since(text: Optional[str], now: datetime) -> Optional[datetime]:
    """``90d``, ``12w``, ``48h`` before ``now``, or an ISO date/time (UTC when no offset); None for None."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    match = _SINCE.match(text.lower())
    if match:
        amount, unit = int(match.group(1)), match.group(2)
        return now - {"h": timedelta(hours=amount), "d": timedelta(days=amount), "w": timedelta(weeks=amount)}[unit]
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            moment = datetime.combine(date.fromisoformat(text), datetime.min.time())
        except ValueError:
            raise UsageError(f"--since {text!r}: expected a duration (90d, 12w, 48h) or an ISO date (2025-01-31)") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def infer_main_branch(history: History) -> str:
    """``main`` when analyses were recorded on it, else ``master`` when some were, else ``main``."""
    branches = {a.branch for a in history.analyses}
    return "master" if "main" not in branches and "master" in branches else "main"


def _remediation(hours: Sequence[float]) -> Remediation:
    if not hours:
        return Remediation(count=0, mean_hours=None, median_hours=None)
    return Remediation(
        count=len(hours), mean_hours=round(statistics.fmean(hours), 2), median_hours=round(statistics.median(hours), 2)
    )


def _rate(analyses: Iterable[AnalysisRecord]) -> Rate:
    items = list(analyses)
    passed = sum(1 for a in items if a.gate_status == "passed")
    return Rate(passed=passed, total=len(items), percent=_percent(passed, len(items)))


# ---------------------------------------------------------------------------------------------- the KPIs


class _Scope:
    """The window and the branch being measured, and who counts as baseline."""

    def __init__(self, history: History, since: Optional[datetime], branch: Optional[str], main_branch: str) -> None:
        self.history = history
        self.since = since
        self.main_branch = main_branch
        self.lifecycle = branch if branch is not None else main_branch
        self.all_analyses = sorted(history.analyses, key=lambda a: (a.started_at, a.id))
        self.analyses = [a for a in self.all_analyses if self.contains(a.started_at) and (branch is None or a.branch == branch)]
        self.first_of_branch: dict[tuple[str, str], int] = {}
        for a in self.all_analyses:
            key = (a.project, a.branch)
            self.first_of_branch[key] = min(self.first_of_branch.get(key, a.id), a.id)

    def contains(self, moment: Optional[datetime]) -> bool:
        return moment is not None and (self.since is None or moment >= self.since)

    def is_opened(self, t: TrackedRecord) -> bool:
        """Not baseline: first seen after the branch's first analysis, or on new code."""
        return t.first_new or t.first_analysis_id != self.first_of_branch.get((t.project, t.branch))


def _branch_issues(scope: _Scope) -> tuple[BranchIssues, ...]:
    keys = sorted({(a.project, a.branch) for a in scope.analyses})
    counts: dict[tuple[str, str], dict[str, int]] = {
        key: dict(analyses=0, baseline=0, opened=0, fixed=0, reopened=0, open=0) for key in keys
    }
    for a in scope.analyses:
        counts[(a.project, a.branch)]["analyses"] += 1
    tracked_by_id: dict[int, TrackedRecord] = {}
    for t in scope.history.tracked:
        tracked_by_id[t.id] = t
        row = counts.get((t.project, t.branch))
        if row is None:
            continue
        row["open"] += t.status == "open"
        if scope.contains(t.first_seen_at):
            row["opened" if scope.is_opened(t) else "baseline"] += 1
    for e in scope.history.events:
        t = tracked_by_id.get(e.tracked_id)
        row = counts.get((t.project, t.branch)) if t is not None else None
        if row is not None and e.kind != "opened" and scope.contains(e.at):
            row[e.kind] += 1
    return tuple(BranchIssues(project=p, branch=b, **counts[(p, b)]) for p, b in keys)


def _mttr(scope: _Scope) -> Mttr:
    hours_all: list[float] = []
    by_type: dict[str, list[float]] = defaultdict(list)
    by_severity: dict[str, list[float]] = defaultdict(list)
    for t in scope.history.tracked:
        if t.branch != scope.lifecycle or t.status != "closed" or t.closed_at is None or not scope.contains(t.closed_at):
            continue
        hours = (t.closed_at - t.first_seen_at).total_seconds() / 3600.0
        hours_all.append(hours)
        by_type[t.type].append(hours)
        by_severity[t.severity].append(hours)
    return Mttr(
        overall=_remediation(hours_all),
        by_type={k: _remediation(v) for k, v in sorted(by_type.items())},
        by_severity={k: _remediation(v) for k, v in sorted(by_severity.items())},
    )


def _security_trend(scope: _Scope, trend: str) -> tuple[TrendPoint, ...]:
    main = scope.lifecycle == scope.main_branch
    points = [
        a for a in scope.all_analyses
        if a.branch == scope.lifecycle and scope.contains(a.started_at) and not (main and a.pull_request is not None)
    ]
    if trend == "day":
        last_of_day = {(a.project, a.started_at.astimezone(timezone.utc).date()): a for a in points}
        points = sorted(last_of_day.values(), key=lambda a: (a.started_at, a.id))
    return tuple(
        TrendPoint(
            at=a.started_at, project=a.project, analysis_id=a.id, commit=a.commit,
            vulnerabilities=a.vulnerabilities, security_hotspots=a.open_hotspots,
        )
        for a in points
    )


def _opened_on(scope: _Scope, branch: str) -> list[TrackedRecord]:
    return [
        t for t in scope.history.tracked if t.branch == branch and scope.contains(t.first_seen_at) and scope.is_opened(t)
    ]


def _new_per_week(scope: _Scope) -> tuple[WeekCount, ...]:
    moments = sorted(t.first_seen_at for t in _opened_on(scope, scope.lifecycle))
    if not moments:
        return ()
    weekly: dict[str, int] = defaultdict(int)
    for moment in moments:
        weekly[iso_week(moment)] += 1
    return tuple(WeekCount(week=w, count=weekly.get(w, 0)) for w in _weeks_between(moments[0], moments[-1]))


def _escape_rate(scope: _Scope) -> EscapeRate:
    reviewed = {(p.project, p.fingerprint): p.first_at for p in scope.history.pr_new}
    opened = _opened_on(scope, scope.main_branch)
    escaped = 0
    for t in opened:
        seen_in_pr = reviewed.get((t.project, t.first_fingerprint))
        escaped += seen_in_pr is None or seen_in_pr > t.first_seen_at
    return EscapeRate(escaped=escaped, total=len(opened), percent=_percent(escaped, len(opened)))


def _durations(analyses: Sequence[AnalysisRecord]) -> Durations:
    values = [a.duration_seconds for a in analyses]
    return Durations(
        count=len(values),
        p50=_round(percentile(values, 0.50)),
        p90=_round(percentile(values, 0.90)),
        p95=_round(percentile(values, 0.95)),
    )


def compute_kpis(
    history: History,
    *,
    main_branch: str = "main",
    branch: Optional[str] = None,
    since: Optional[datetime] = None,
    trend: Literal["analysis", "day"] = "analysis",
) -> Kpis:
    """Every KPI of the module docstring over ``history`` (already limited to the wanted project(s))."""
    scope = _Scope(history, since, branch, main_branch)
    on_main = [a for a in scope.analyses if a.branch == main_branch and a.pull_request is None]
    on_prs = [a for a in scope.analyses if a.pull_request is not None]
    return Kpis(
        projects=tuple(sorted({a.project for a in scope.analyses})),
        branch=branch,
        main_branch=main_branch,
        lifecycle_branch=scope.lifecycle,
        since=since,
        analyses=len(scope.analyses),
        pass_rate=PassRates(overall=_rate(scope.analyses), main_branch=_rate(on_main), pull_requests=_rate(on_prs)),
        branches=_branch_issues(scope),
        mttr=_mttr(scope),
        security_trend=_security_trend(scope, trend),
        new_issues_per_week=_new_per_week(scope),
        escape_rate=_escape_rate(scope),
        duration_seconds=_durations(scope.analyses),
    )
