"""Markdown for a pull-request comment or ``$GITHUB_STEP_SUMMARY``: the verdict, the conditions, the new issues.

Everything that comes from the analysed code (messages, paths, notes) is escaped so it renders as plain text:
no tables broken by ``|``, no HTML, no emphasis or links, no @-mentions. The output stays under ``max_bytes`` (1 MiB, GitHub's
step-summary limit): at most 50 issue rows, 20 errors, long texts shortened, and a final cut on a line boundary.
"""

from __future__ import annotations

import re

from qgate.model import ConditionResult, Issue, Report

MAX_BYTES = 1024 * 1024
MAX_ISSUES = 50
MAX_ERRORS = 20
MAX_TEXT = 300

_OPS = {"gt": "&gt;", "lt": "&lt;", "gte": "&gt;=", "lte": "&lt;=", "eq": "=", "ne": "!="}
_STATUS = {"passed": "PASSED", "failed": "FAILED", "error": "ERROR"}
_CONDITION_STATUS = {"passed": "passed", "failed": "**failed**", "no_value": "no value", "ignored": "ignored"}
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_SPECIAL = re.compile(r"[\\`*_\[\]|~&<>@]|\r\n|[\r\n\t]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    if char in _HTML:
        return _HTML[char]
    if char in ("\r\n", "\r", "\n", "\t"):
        return " "
    if char == "@":
        return "@&#8203;"  # a zero-width space: no mention, no notification
    return "\\" + char


def escape(text: str, limit: int = MAX_TEXT) -> str:
    """Plain text for a markdown table cell, shortened to ``limit`` characters first."""
    text = _CONTROL.sub("\ufffd", text)
    if len(text) > limit:
        text = text[: limit - 1] + "\u2026"
    return _SPECIAL.sub(_escape_char, text)


def _fmt(value: object) -> str:
    if value is None:
        return "no value"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else (f"{value:.2f}".rstrip("0").rstrip(".") or "0")
    return str(value)


def _condition_row(c: ConditionResult) -> str:
    note = escape(c.note) if c.note else ""
    return f"| {escape(c.metric)} | {_OPS[c.op]} {_fmt(c.threshold)} | {_fmt(c.actual)} | {_CONDITION_STATUS[c.status]} | {note} |"


def _issue_row(issue: Issue) -> str:
    where = escape(f"{issue.path}:{issue.line}")
    return f"| {issue.severity.value} | {escape(issue.rule, 80)} | {where} | {escape(issue.message)} |"


def _new_code_line(report: Report) -> str:
    info = report.new_code
    if info.mode == "all":
        return "New code: the whole code base."
    parts = [f"New code: {info.mode}"]
    if info.reference:
        parts.append(f"against {escape(info.reference, 120)}")
    if info.merge_base:
        parts.append(f"(merge base {escape(info.merge_base[:12], 12)})")
    return " ".join(parts) + "."


def _lines(report: Report) -> list[str]:
    gate = report.gate
    lines = [f"## Quality gate: {_STATUS[gate.status]}", ""]
    preset = f"Preset: {escape(gate.preset, 80)}. " if gate.preset else ""
    lines += [preset + _new_code_line(report), ""]
    if gate.conditions:
        lines += ["| Condition | Threshold | Actual | Status | Note |", "| --- | --- | --- | --- | --- |"]
        lines += [_condition_row(c) for c in gate.conditions]
        lines.append("")
    for note in gate.notes:
        lines.append(f"> {escape(note)}")
    if gate.notes:
        lines.append("")
    if report.new_code.note:
        lines += [f"> {escape(report.new_code.note)}", ""]

    new = sorted((i for i in report.issues if i.new), key=lambda i: (i.severity.rank, i.sort_key()))
    lines.append(f"### New issues: {len(new)}")
    lines.append("")
    if new:
        lines += ["| Severity | Rule | Location | Message |", "| --- | --- | --- | --- |"]
        lines += [_issue_row(i) for i in new[:MAX_ISSUES]]
        lines.append("")
        if len(new) > MAX_ISSUES:
            lines += [f"... and {len(new) - MAX_ISSUES} more new issue(s), not shown.", ""]
    else:
        lines += ["No new issues.", ""]

    fatal = sum(1 for e in report.errors if e.fatal)
    lines.append(f"### Analysis errors: {len(report.errors)} ({fatal} fatal)")
    lines.append("")
    for error in report.errors[:MAX_ERRORS]:
        where = escape(f"{error.path}:{error.line or ''}", 200) + " " if error.path else ""
        tag = "**fatal** " if error.fatal else ""
        lines.append(f"- {tag}{where}\\[{escape(error.analyzer, 40)}\\] {escape(error.message)}")
    if len(report.errors) > MAX_ERRORS:
        lines.append(f"- ... and {len(report.errors) - MAX_ERRORS} more error(s).")
    if report.errors:
        lines.append("")

    overall = report.metrics.overall
    lines.append(
        f"{len(report.files)} file(s) analyzed, {_fmt(overall.get('ncloc', 0))} lines of code, "
        f"{len(report.issues)} issue(s) in all, {len(report.suppressed)} suppressed, "
        f"{len(report.skipped)} file(s) skipped. qgate {escape(report.tool.version, 40)}."
    )
    return lines


def render(report: Report, max_bytes: int = MAX_BYTES) -> str:
    lines = _lines(report)
    text = "\n".join(lines) + "\n"
    if len(text.encode("utf-8")) <= max_bytes:
        return text
    notice = "\n_The summary was cut here: it exceeded the size limit. See the full report._\n"
    budget = max_bytes - len(notice.encode("utf-8"))
    kept: list[str] = []
    used = 0
    for line in lines:
        size = len(line.encode("utf-8")) + 1
        if used + size > budget:
            break
        kept.append(line)
        used += size
    return "\n".join(kept) + "\n" + notice
