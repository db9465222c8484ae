"""Issue and size measures, overall and on new code, under SonarQube's metric keys. Pure functions."""

from __future__ import annotations

from typing import Iterable, Optional, Sequence

from qgate.model import FileReport, Issue, IssueType, MetricValue, Severity

_TYPE_KEYS = {
    IssueType.BUG: "bugs",
    IssueType.VULNERABILITY: "vulnerabilities",
    IssueType.CODE_SMELL: "code_smells",
    IssueType.SECURITY_HOTSPOT: "security_hotspots",
}


def issue_counts(issues: Iterable[Issue], prefix: str = "") -> dict[str, MetricValue]:
    """violations (every type but hotspots, as SonarQube counts them), per type and per severity."""
    counts: dict[str, MetricValue] = {f"{prefix}violations": 0}
    counts.update({f"{prefix}{key}": 0 for key in _TYPE_KEYS.values()})
    counts.update({f"{prefix}{sev.value}_violations": 0 for sev in Severity})
    for issue in issues:
        counts[f"{prefix}{_TYPE_KEYS[issue.type]}"] += 1  # type: ignore[operator]
        if issue.type is IssueType.SECURITY_HOTSPOT:
            continue
        counts[f"{prefix}violations"] += 1  # type: ignore[operator]
        counts[f"{prefix}{issue.severity.value}_violations"] += 1  # type: ignore[operator]
    return counts


def size_measures(files: Sequence[FileReport]) -> dict[str, MetricValue]:
    functions = [fn for f in files for fn in f.functions]
    complexities = [fn.cyclomatic_complexity for fn in functions if fn.cyclomatic_complexity is not None]
    measures: dict[str, MetricValue] = {
        "files": len(files),
        "ncloc": sum(f.ncloc for f in files),
        "lines": _sum_measure(files, "lines"),
        "comment_lines": _sum_measure(files, "comment_lines"),
        "functions": len(functions),
        "complexity": _sum_measure(files, "complexity"),
    }
    if complexities:
        measures["max_function_complexity"] = max(complexities)
    return measures


def _sum_measure(files: Sequence[FileReport], key: str) -> Optional[int]:
    values = [f.measures.get(key) for f in files if f.measures.get(key) is not None]
    return int(sum(values)) if values else None  # type: ignore[arg-type]
