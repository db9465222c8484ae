"""``qgate explain RULE``: one rule's identity and documentation, for any rule of the enabled analyzers.

RULE is a rule id (``QG101``, ``B602``; case does not matter) or a rule name (``bare-except``). The severity
and the on/off state shown are the effective ones under the configuration, as in ``qgate rules``.
"""

from __future__ import annotations

import argparse
import difflib
import inspect
from pathlib import Path
from typing import Optional, Sequence

from qgate.analyzers.base import RuleSelection
from qgate.cli.check import analysis_root, resolve_config
from qgate.cli.output import emit
from qgate.errors import UsageError
from qgate.model import RuleInfo, Severity
from qgate.pipeline import available_rules


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("explain", help="show a rule's documentation")
    parser.add_argument("rule", metavar="RULE", help="rule id (QG101, B602) or name (bare-except)")
    parser.add_argument("--config", type=Path, help="config file (pyproject.toml or qgate.toml)")


def find_rule(rules: Sequence[RuleInfo], wanted: str) -> Optional[RuleInfo]:
    """The rule whose id or name is ``wanted``: an exact id first, then ignoring case, then by name."""
    key = wanted.strip()
    for matches in (
        lambda r: r.id == key,
        lambda r: r.id.casefold() == key.casefold(),
        lambda r: r.name.casefold() == key.casefold(),
    ):
        found = [r for r in rules if matches(r)]
        if found:
            return found[0]
    return None


def suggestion(rules: Sequence[RuleInfo], wanted: str) -> str:
    """`` (did you mean X?)`` for the closest id or name, or an empty string."""
    by_key: dict[str, str] = {}
    for rule in rules:
        by_key.setdefault(rule.id.casefold(), rule.id)
        by_key.setdefault(rule.name.casefold(), rule.name)
    wanted_key = wanted.strip().casefold()
    scored = []
    for key in by_key:
        matcher = difflib.SequenceMatcher(None, wanted_key, key)
        if matcher.real_quick_ratio() >= 0.6 and matcher.quick_ratio() >= 0.6 and matcher.ratio() >= 0.6:
            scored.append((-matcher.ratio(), key))
    return f" (did you mean {by_key[min(scored)[1]]}?)" if scored else ""


def render(rule: RuleInfo, severity: Severity, enabled: bool) -> str:
    fields = [
        ("analyzer", rule.analyzer),
        ("type", rule.type.value.replace("_", " ")),
        ("severity", severity.value if severity == rule.severity else f"{severity.value} (configured; default {rule.severity.value})"),
        ("effort", f"{rule.effort_minutes} min"),
        ("CWE", ", ".join(f"CWE-{n}" for n in rule.cwe) or "-"),
        ("tags", ", ".join(rule.tags) or "-"),
        ("enabled", ("yes" if enabled else "no") + ("" if rule.default_enabled else " (off by default)")),
    ]
    lines = [f"{rule.id}: {rule.name}", ""]
    lines += [f"  {label + ':':<10} {value}" for label, value in fields]
    docs = inspect.cleandoc(rule.docs) if rule.docs.strip() else ""
    lines.append("")
    first_line = docs.splitlines()[0] if docs else ""
    if rule.description.rstrip(".") not in first_line:
        lines += [rule.description, ""] if docs else [rule.description]
    if docs:
        lines.append(docs)
    return "\n".join(lines).rstrip("\n") + "\n"


def run(args: argparse.Namespace) -> int:
    root = analysis_root([])
    config = resolve_config(getattr(args, "config", None), root, [])
    settings = config.settings
    rules = available_rules(settings, root, config.label)
    rule = find_rule(rules, args.rule)
    if rule is None:
        analyzers = ", ".join(settings.analyzers.enabled) or "none"
        raise UsageError(
            f"unknown rule {args.rule!r}{suggestion(rules, args.rule)}; "
            f"'qgate rules' lists the rules of the enabled analyzers ({analyzers})"
        )
    override = settings.rules.get(rule.id)
    severity = override.severity if override and override.severity else rule.severity
    selection: RuleSelection = settings.selection()
    emit(render(rule, severity, selection.is_enabled(rule)), None)
    return 0
