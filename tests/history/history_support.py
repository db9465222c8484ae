"""Hand-built reports and histories for the history tests (importable as ``history_support``)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Optional

from qgate.history.kpis import AnalysisRecord, EventRecord, History, PrNewRecord, TrackedRecord
from qgate.model import ConditionResult, GateResult, Issue, IssueType, Metrics, Report, Severity, ToolInfo
from qgate.newcode.fingerprint import fingerprint

REPO = Path(__file__).resolve().parents[2]
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=timezone.utc)  # a Monday: ISO week 2025-W10


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def issue(
    rule: str = "QG101",
    path: str = "app.py",
    line: int = 1,
    *,
    code: Optional[str] = None,
    message: str = "",
    type: IssueType = IssueType.CODE_SMELL,
    severity: Severity = Severity.MAJOR,
    new: bool = False,
    review: Optional[str] = None,
) -> Issue:
    """An issue whose line hash is derived from ``code`` (default: the rule and line), fingerprinted."""
    line_hash = f"h-{code if code is not None else f'{rule}-{line}'}"
    return Issue(
        rule=rule, tool="cst", type=type, severity=severity, message=message or f"{rule} here", path=path,
        line=line, end_line=line, column=1, end_column=5, effort_minutes=5, line_hash=line_hash,
        fingerprint=fingerprint(rule, path, line_hash, 0), new=new,
        review=review if type is IssueType.SECURITY_HOTSPOT else None,
    )


def report(issues: tuple[Issue, ...] = (), *, status: str = "passed", duration: float = 1.0) -> Report:
    return Report(
        tool=ToolInfo(version="0.1.0"),
        root="/repo",
        gate=GateResult(
            status=status,
            conditions=(
                ConditionResult(metric="new_violations", op="gt", threshold=0, actual=sum(i.new for i in issues),
                                status="failed" if status == "failed" else "passed"),
            ),
        ),
        metrics=Metrics(overall={"violations": len(issues), "ncloc": 120}, new_code={"new_violations": sum(i.new for i in issues)}),
        issues=tuple(sorted(issues, key=Issue.sort_key)),
        duration_seconds=duration,
    )


def analysis(id: int, hours: float, *, branch: str = "main", project: str = "acme/app", pr: Optional[int] = None,
             status: str = "passed", duration: float = 1.0, vulns: int = 0, hotspots: int = 0) -> AnalysisRecord:
    return AnalysisRecord(
        id=id, project=project, branch=branch, pull_request=pr, started_at=at(hours), duration_seconds=duration,
        gate_status=status, vulnerabilities=vulns, open_hotspots=hotspots,
    )


def tracked(id: int, first: int, first_hours: float, *, branch: str = "main", project: str = "acme/app",
            type: str = "code_smell", severity: str = "major", closed_hours: Optional[float] = None,
            closed_by: Optional[int] = None, new: bool = False, fp: str = "", reopens: int = 0) -> TrackedRecord:
    return TrackedRecord(
        id=id, project=project, branch=branch, type=type, severity=severity,
        status="closed" if closed_hours is not None else "open", first_analysis_id=first,
        first_seen_at=at(first_hours), first_new=new, first_fingerprint=fp or f"fp{id}",
        closed_analysis_id=closed_by, closed_at=None if closed_hours is None else at(closed_hours), reopen_count=reopens,
    )


def event(tracked_id: int, analysis_id: int, kind: str, hours: float) -> EventRecord:
    return EventRecord(tracked_id=tracked_id, analysis_id=analysis_id, kind=kind, at=at(hours))


def pr_new(fp: str, hours: float, project: str = "acme/app") -> PrNewRecord:
    return PrNewRecord(project=project, fingerprint=fp, first_at=at(hours))


__all__ = ["History", "REPO", "T0", "analysis", "at", "event", "issue", "pr_new", "report", "tracked"]
