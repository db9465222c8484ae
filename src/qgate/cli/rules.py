"""``qgate rules``: list the rules of the enabled analyzers with id, type, severity and description."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from qgate.cli.check import analysis_root, resolve_config
from qgate.cli.output import emit
from qgate.pipeline import available_rules


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("rules", help="list the available rules")
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    parser.add_argument("--analyzer", action="append", default=[], help="only the rules of this analyzer (repeatable)")
    parser.add_argument("--config", type=Path, help="config file (pyproject.toml or qgate.toml)")


def run(args: argparse.Namespace) -> int:
    root = analysis_root([])
    config = resolve_config(args.config, root, [])
    settings = config.settings
    selection = settings.selection()
    rows = []
    for rule in available_rules(settings, root, config.label):
        override = settings.rules.get(rule.id)
        severity = override.severity if override and override.severity else rule.severity
        rows.append((rule, severity, selection.is_enabled(rule)))
    if args.analyzer:
        rows = [row for row in rows if row[0].analyzer in args.analyzer]
    rows.sort(key=lambda row: (row[0].analyzer, row[0].id))
    if args.format == "json":
        data = [
            {**rule.model_dump(mode="json", exclude={"docs"}), "severity": severity.value, "enabled": enabled}
            for rule, severity, enabled in rows
        ]
        emit(json.dumps(data, indent=2) + "\n", None)
        return 0
    if args.format == "markdown":
        emit(markdown_table(rows), None)
        return 0
    lines = [f"{'ID':<12} {'ANALYZER':<9} {'TYPE':<17} {'SEVERITY':<9} {'ON':<3} DESCRIPTION"]
    for rule, severity, enabled in rows:
        lines.append(
            f"{rule.id:<12} {rule.analyzer:<9} {rule.type.value:<17} {severity.value:<9} "
            f"{'yes' if enabled else 'no':<3} {rule.description}"
        )
    emit("\n".join(lines) + "\n", None)
    return 0


def markdown_table(rows: list) -> str:
    """The rule table of the README (``qgate rules --format markdown``)."""
    lines = ["| id | name | analyzer | type | severity | effort | description |", "| --- | --- | --- | --- | --- | ---: | --- |"]
    for rule, severity, _enabled in rows:
        description = rule.description.replace("|", "\\|").replace("\n", " ")
        lines.append(
            f"| `{rule.id}` | {rule.name} | {rule.analyzer} | {rule.type.value} | {severity.value} | "
            f"{rule.effort_minutes} min | {description} |"
        )
    return "\n".join(lines) + "\n"
