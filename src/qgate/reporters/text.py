"""The terminal report: issues grouped by file, errors, the gate's conditions and a summary line.

``render`` is pure: colour is a parameter (the CLI turns it on only when writing to a terminal).
"""

from __future__ import annotations

import io
from itertools import groupby

from rich.console import Console
from rich.markup import escape

from qgate.model import ConditionResult, Report, Severity

_SEVERITY_STYLE = {
    Severity.BLOCKER: "bold red",
    Severity.CRITICAL: "red",
    Severity.MAJOR: "yellow",
    Severity.MINOR: "cyan",
    Severity.INFO: "dim",
}
_STATUS_STYLE = {"passed": "bold green", "failed": "bold red", "error": "bold magenta"}
_CONDITION_MARK = {"passed": ("ok", "green"), "failed": ("FAILED", "red"), "no_value": ("no value", "dim"), "ignored": ("ignored", "dim")}
_OPS = {"gt": ">", "lt": "<", "gte": ">=", "lte": "<=", "eq": "==", "ne": "!="}


def _fmt(value: object) -> str:
    if value is None:
        return "no value"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _condition_line(c: ConditionResult) -> str:
    word, style = _CONDITION_MARK[c.status]
    note = f" [dim]({escape(c.note)})[/]" if c.note and c.status != "no_value" else ""
    return f"  [{style}]{word:<8}[/] {c.metric} {_OPS[c.op]} {_fmt(c.threshold)} [dim]actual:[/] {_fmt(c.actual)}{note}"


def render(report: Report, color: bool = False, width: int = 120) -> str:
    buffer = io.StringIO()
    console = Console(
        file=buffer, force_terminal=color, no_color=not color, color_system="standard" if color else None,
        width=width, highlight=False, soft_wrap=True,
    )
    shown = [i for i in report.issues if i.new]
    for path, group in groupby(shown, key=lambda i: i.path):
        console.print(f"[bold underline]{escape(path)}[/]")
        for issue in group:
            style = _SEVERITY_STYLE[issue.severity]
            console.print(
                f"  {issue.line}:{issue.column}  [{style}]{issue.severity.value:<8}[/] "
                f"[bold]{escape(issue.rule)}[/] {escape(issue.message)} [dim]({issue.type.value}, {escape(issue.tool)})[/]"
            )
        console.print()
    if report.errors:
        console.print("[bold]Errors[/]")
        for error in report.errors:
            where = f"{error.path}:{error.line or ''} " if error.path else ""
            tag = "[magenta]fatal[/] " if error.fatal else ""
            console.print(f"  {tag}{escape(where)}{escape(f'[{error.analyzer}]')} {escape(error.message)}")
        console.print()
    if report.skipped:
        console.print(f"[bold]Skipped[/] {len(report.skipped)} file(s)")
        for skipped in report.skipped:
            console.print(f"  {escape(skipped.path)}: {escape(skipped.reason)}")
        console.print()
    gate = report.gate
    console.print(f"[bold]Quality gate[/] ({escape(gate.preset or 'custom')}): [{_STATUS_STYLE[gate.status]}]{gate.status.upper()}[/]")
    for condition in gate.conditions:
        console.print(_condition_line(condition))
    for note in gate.notes:
        console.print(f"  [dim]{escape(note)}[/]")
    if report.new_code.note:
        console.print(f"  [dim]{escape(report.new_code.note)}[/]")
    overall, new = report.metrics.overall, report.metrics.new_code
    console.print(
        f"{len(report.files)} file(s) analyzed, {overall.get('ncloc', 0)} lines of code; "
        f"{len(report.issues)} issue(s), {new.get('new_violations', 0)} new violation(s), "
        f"{new.get('new_security_hotspots', 0)} new hotspot(s), {len(report.suppressed)} suppressed, "
        f"{len(report.errors)} error(s) in {report.duration_seconds:.1f}s"
    )
    return buffer.getvalue()
