"""What the dashboard shows, read from the history store (read only) into frozen models.

Per project (every project of the store, or the one asked for), over the analyses started at or after
``since`` (all when None):

* the KPIs of :func:`qgate.history.kpis.compute_kpis` (computed there, never here), with the project's
  **focus branch** as main branch: ``main_branch`` when given, else ``main``/``master``
  (:func:`~qgate.history.kpis.infer_main_branch`); when that branch has no analysis outside pull requests,
  the branch of the latest such analysis (a project recording only ``develop`` still gets its KPIs);
* every analysis in scope (gate history), the latest :data:`RECENT` with their failed gate conditions;
* the issue trend: per analysis of the focus branch (pull-request analyses left out), the active issues by
  type; security hotspots count while not reviewed safe or fixed, as in the store's hotspot count;
* the **snapshot**: the latest analysis of the focus branch in scope. Top rules (by issues) and the worst
  files by technical debt come from its issues: a file's debt is the remediation effort of its code
  smells, SonarQube's ``sqale_index`` restricted to the file.

The worst files by Cognitive Complexity come from the snapshot's per-file measures (stored since schema
revision 0003); an analysis recorded before that has none, and then the page says so.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Optional

import sqlalchemy as sa

from qgate.errors import InputError
from qgate.history.kpis import AnalysisRecord, History, Kpis, compute_kpis, infer_main_branch
from qgate.history.store import Store, analyses, analysis_issues, conditions, file_measures, to_utc_naive
from qgate.model import Frozen, IssueType

ISSUE_TYPES = tuple(t.value for t in IssueType)
RECENT = 20
"""Analyses listed in a project's table of recent analyses."""
TOP = 10
"""Rows of the top-rules and worst-files tables."""
_CLOSED_REVIEWS = ("safe", "fixed")


class GateRun(Frozen):
    """One recent analysis, as listed in a project's table."""

    id: int
    started_at: datetime
    branch: str
    pull_request: Optional[int] = None
    commit: Optional[str] = None
    gate_status: str
    issue_count: int
    duration_seconds: float
    failed_conditions: tuple[str, ...] = ()


class TypeCounts(Frozen):
    """The active issues of one analysis by type (every type of :data:`ISSUE_TYPES` present, zeros included)."""

    analysis_id: int
    started_at: datetime
    counts: dict[str, int]


class RuleCount(Frozen):
    rule: str
    type: str
    severity: str
    issues: int
    effort_minutes: int


class FileDebt(Frozen):
    path: str
    debt_minutes: int
    code_smells: int
    issues: int


class FileComplexity(Frozen):
    path: str
    cognitive_complexity: int


class ProjectDashboard(Frozen):
    project: str
    focus_branch: str
    kpis: Kpis
    analyses: tuple[AnalysisRecord, ...] = ()
    """Every analysis in scope, every branch, oldest first."""
    recent: tuple[GateRun, ...] = ()
    """The latest analyses in scope, newest first."""
    issue_trend: tuple[TypeCounts, ...] = ()
    snapshot: Optional[AnalysisRecord] = None
    top_rules: tuple[RuleCount, ...] = ()
    worst_debt: tuple[FileDebt, ...] = ()
    worst_complexity: Optional[tuple[FileComplexity, ...]] = None
    """None: the store does not record per-file measures."""


class Dashboard(Frozen):
    generated_at: datetime
    since: Optional[datetime] = None
    store: str = ""
    projects: tuple[ProjectDashboard, ...] = ()


# ---------------------------------------------------------------------------------------------- pure helpers


def focus_branch(history: History, main_branch: Optional[str] = None) -> str:
    """The branch the KPIs, the issue trend and the snapshot follow (see the module docstring)."""
    wanted = main_branch or infer_main_branch(history)
    outside_prs = [a for a in history.analyses if a.pull_request is None]
    if not outside_prs or any(a.branch == wanted for a in outside_prs):
        return wanted
    return max(outside_prs, key=lambda a: (a.started_at, a.id)).branch


def _in_scope(records: Iterable[AnalysisRecord], since: Optional[datetime]) -> list[AnalysisRecord]:
    return sorted((a for a in records if since is None or a.started_at >= since), key=lambda a: (a.started_at, a.id))


def _condition_text(row: Any) -> str:
    ops = {"gt": ">", "lt": "<", "gte": ">=", "lte": "<=", "eq": "=", "ne": "!="}
    actual = "no value" if row["actual"] is None else _number(row["actual"])
    return f"{row['metric']} {ops.get(row['op'], row['op'])} {_number(row['threshold'])} (actual {actual})"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _top_rules(issues: Sequence[Any]) -> tuple[RuleCount, ...]:
    by_rule: dict[str, list[Any]] = defaultdict(list)
    for row in issues:
        by_rule[row["rule"]].append(row)
    counts = []
    for rule, rows in by_rule.items():
        kinds = Counter(r["type"] for r in rows).most_common()
        severities = Counter(r["severity"] for r in rows).most_common()
        counts.append(
            RuleCount(
                rule=rule, type=kinds[0][0], severity=severities[0][0], issues=len(rows),
                effort_minutes=sum(int(r["effort_minutes"]) for r in rows),
            )
        )
    counts.sort(key=lambda r: (-r.issues, -r.effort_minutes, r.rule))
    return tuple(counts[:TOP])


def _worst_debt(issues: Sequence[Any]) -> tuple[FileDebt, ...]:
    debt: dict[str, int] = defaultdict(int)
    smells: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    for row in issues:
        total[row["path"]] += 1
        if row["type"] == IssueType.CODE_SMELL.value:
            debt[row["path"]] += int(row["effort_minutes"])
            smells[row["path"]] += 1
    files = [FileDebt(path=p, debt_minutes=m, code_smells=smells[p], issues=total[p]) for p, m in debt.items() if m > 0]
    files.sort(key=lambda f: (-f.debt_minutes, -f.code_smells, f.path))
    return tuple(files[:TOP])


# ---------------------------------------------------------------------------------------------- queries


def _active(i: sa.Table) -> Any:
    """Issues that count: everything but security hotspots reviewed safe or fixed."""
    return sa.or_(i.c.type != IssueType.SECURITY_HOTSPOT.value, i.c.review.is_(None), i.c.review.not_in(_CLOSED_REVIEWS))


def _projects(store: Store, since: Optional[datetime]) -> list[str]:
    query = sa.select(analyses.c.project).distinct().order_by(analyses.c.project)
    if since is not None:
        query = query.where(analyses.c.started_at >= to_utc_naive(since))
    with store.transaction() as conn:
        return [str(p) for p in conn.execute(query).scalars()]


def _type_counts(store: Store, trend: Sequence[AnalysisRecord]) -> tuple[TypeCounts, ...]:
    if not trend:
        return ()
    i = analysis_issues
    ids = [a.id for a in trend]
    query = (
        sa.select(i.c.analysis_id, i.c.type, sa.func.count().label("n"))
        .where(i.c.analysis_id.in_(ids), _active(i))
        .group_by(i.c.analysis_id, i.c.type)
    )
    found: dict[int, dict[str, int]] = {a: dict.fromkeys(ISSUE_TYPES, 0) for a in ids}
    with store.transaction() as conn:
        for row in conn.execute(query).mappings():
            found[row["analysis_id"]][row["type"]] = int(row["n"])
    return tuple(TypeCounts(analysis_id=a.id, started_at=a.started_at, counts=found[a.id]) for a in trend)


def _worst_complexity(store: Store, analysis_id: int) -> Optional[tuple[FileComplexity, ...]]:
    """The files of an analysis with the highest Cognitive Complexity (None when it stored no file measures)."""
    m = file_measures
    query = (
        sa.select(m.c.path, m.c.value)
        .where(m.c.analysis_id == analysis_id, m.c.metric == "cognitive_complexity")
        .order_by(m.c.value.desc(), m.c.path)
        .limit(TOP)
    )
    with store.transaction() as conn:
        rows = list(conn.execute(query))
    if not rows:
        return None
    return tuple(FileComplexity(path=path, cognitive_complexity=int(value)) for path, value in rows)


def _snapshot_issues(store: Store, analysis_id: int) -> list[Any]:
    i = analysis_issues
    query = (
        sa.select(i.c.rule, i.c.type, i.c.severity, i.c.path, i.c.effort_minutes)
        .where(i.c.analysis_id == analysis_id, _active(i))
        .order_by(i.c.position)
    )
    with store.transaction() as conn:
        return list(conn.execute(query).mappings())


def _failed_conditions(store: Store, ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    if not ids:
        return {}
    c = conditions
    query = (
        sa.select(c.c.analysis_id, c.c.metric, c.c.op, c.c.threshold, c.c.actual)
        .where(c.c.analysis_id.in_(list(ids)), c.c.status == "failed")
        .order_by(c.c.analysis_id, c.c.position)
    )
    failed: dict[int, list[str]] = defaultdict(list)
    with store.transaction() as conn:
        for row in conn.execute(query).mappings():
            failed[row["analysis_id"]].append(_condition_text(row))
    return {k: tuple(v) for k, v in failed.items()}


def load_project(
    store: Store, project: str, *, since: Optional[datetime] = None, main_branch: Optional[str] = None
) -> ProjectDashboard:
    """Everything one project's page shows (see the module docstring)."""
    history = store.load_history(project)
    focus = focus_branch(history, main_branch)
    kpis = compute_kpis(history, main_branch=focus, since=since)
    scoped = _in_scope(history.analyses, since)
    trend = [a for a in scoped if a.branch == focus and a.pull_request is None]
    snapshot = trend[-1] if trend else None
    newest = list(reversed(scoped))[:RECENT]
    failed = _failed_conditions(store, [a.id for a in newest])
    recent = tuple(
        GateRun(
            id=a.id, started_at=a.started_at, branch=a.branch, pull_request=a.pull_request, commit=a.commit,
            gate_status=a.gate_status, issue_count=a.issue_count, duration_seconds=a.duration_seconds,
            failed_conditions=failed.get(a.id, ()),
        )
        for a in newest
    )
    issues = _snapshot_issues(store, snapshot.id) if snapshot is not None else []
    return ProjectDashboard(
        project=project, focus_branch=focus, kpis=kpis, analyses=tuple(scoped), recent=recent,
        issue_trend=_type_counts(store, trend), snapshot=snapshot, top_rules=_top_rules(issues),
        worst_debt=_worst_debt(issues),
        worst_complexity=_worst_complexity(store, snapshot.id) if snapshot is not None else None,
    )


def load_dashboard(
    store: Store,
    *,
    now: datetime,
    project: Optional[str] = None,
    since: Optional[datetime] = None,
    main_branch: Optional[str] = None,
) -> Dashboard:
    """The dashboard of every project with analyses in scope, or of ``project`` only (an InputError when it has none)."""
    names = _projects(store, since)
    if project is not None:
        if project not in names:
            window = " in that period" if since is not None else ""
            raise InputError(f"history store {store.label} has no analyses of project {project!r}{window}")
        names = [project]
    return Dashboard(
        generated_at=now,
        since=since,
        store=store.label,
        projects=tuple(load_project(store, name, since=since, main_branch=main_branch) for name in names),
    )
