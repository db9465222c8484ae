"""GitHub Actions workflow commands: one annotation per new issue, most severe first.

GitHub shows at most 10 annotations of each level per step (and 50 per job) and drops the rest, so only the
annotations it will show are printed; when issues are left out, a final ``::notice::`` says how many (one
notice slot is kept for it).
"""

from __future__ import annotations

import re

from qgate.model import Issue, Report, Severity

PER_LEVEL = 10
PER_JOB = 50

LEVELS = {
    Severity.BLOCKER: "error",
    Severity.CRITICAL: "error",
    Severity.MAJOR: "warning",
    Severity.MINOR: "notice",
    Severity.INFO: "notice",
}


# Control characters other than CR and LF (terminal escapes...) have no business in the job log.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def escape_data(text: str) -> str:
    text = _CONTROL.sub("\ufffd", text)
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(issue: Issue) -> str:
    properties = [("file", issue.path), ("line", str(issue.line))]
    end_line = max(issue.end_line, issue.line)
    properties.append(("endLine", str(end_line)))
    if end_line == issue.line:  # GitHub ignores columns on multi-line annotations
        properties += [("col", str(issue.column)), ("endColumn", str(max(issue.end_column, issue.column)))]
    properties.append(("title", f"{issue.rule} ({issue.severity.value} {issue.type.value.replace('_', ' ')})"))
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{LEVELS[issue.severity]} {joined}::{escape_data(issue.message)}"


def render(report: Report) -> str:
    new = sorted((i for i in report.issues if i.new), key=lambda i: (i.severity.rank, i.sort_key()))
    by_level: dict[str, list[Issue]] = {"error": [], "warning": [], "notice": []}
    for issue in new:
        by_level[LEVELS[issue.severity]].append(issue)
    overflow = any(len(issues) > PER_LEVEL for issues in by_level.values()) or len(new) > PER_JOB
    room = {level: PER_LEVEL for level in by_level}
    if overflow:
        room["notice"] -= 1  # keep a notice for the summary line
    budget = PER_JOB - (1 if overflow else 0)
    shown = []
    for issue in new:
        level = LEVELS[issue.severity]
        if room[level] and budget:
            room[level] -= 1
            budget -= 1
            shown.append(issue)
    lines = [command(issue) for issue in shown]
    hidden = len(new) - len(shown)
    if hidden:
        lines.append(
            f"::notice title=qgate::{hidden} more new issue(s) are not annotated here "
            f"(GitHub shows at most {PER_LEVEL} annotations of each level per step); see the full report."
        )
    return "\n".join(lines) + "\n" if lines else ""
