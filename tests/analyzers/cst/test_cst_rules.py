"""One test per VALID and per INVALID example of every discovered cst rule."""

from __future__ import annotations

import re

import pytest

from qgate.analyzers.cst import discover_rules
from qgate.analyzers.cst.engine import analyze_text
from qgate.analyzers.cst.rule import CstRule, Invalid, Valid
from qgate.model import Issue, RuleInfo

RULES = discover_rules()


def _cases(kind: str) -> list:
    params = []
    for rule in RULES:
        examples = rule.VALID if kind == "valid" else rule.INVALID
        for index, example in enumerate(examples):
            params.append(pytest.param(rule, example, id=f"{rule.id}-{kind}-{index}"))
    return params


def run_example(rule: type[CstRule], example: Valid | Invalid) -> list[Issue]:
    options = rule.Options.model_validate(dict(example.options))
    issues, errors = analyze_text(example.source, example.path, [(rule, options)])
    assert errors == []
    return issues


@pytest.mark.parametrize(("rule", "example"), _cases("invalid"))
def test_invalid_example_reports_exact_positions(rule: type[CstRule], example: Invalid) -> None:
    issues = run_example(rule, example)
    assert [(i.rule, i.line, i.column) for i in issues] == [(rule.id, line, col) for line, col in example.expected]
    for issue in issues:
        assert issue.tool == "cst"
        assert issue.type == rule.type and issue.severity == rule.severity
        assert issue.message and "{" not in issue.message
        assert (issue.end_line, issue.end_column) > (issue.line, issue.column)


@pytest.mark.parametrize(("rule", "example"), _cases("valid"))
def test_valid_example_reports_nothing(rule: type[CstRule], example: Valid) -> None:
    assert [(i.rule, i.line, i.column) for i in run_example(rule, example)] == []


CORE = [rule for rule in RULES if not rule.id.startswith("QGA")]  # the `ai` pack (QGA1xx): test_cst_ai_rules.py


def test_sixteen_rules_with_unique_qg1xx_ids() -> None:
    ids = [rule.id for rule in CORE]
    assert ids == [f"QG1{n:02d}" for n in range(1, 17)]
    assert len({rule.name for rule in RULES}) == len(RULES)
    for rule in CORE:
        assert re.fullmatch(r"QG1\d\d", rule.id)
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.name), rule.name


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_is_documented_with_examples(rule: type[CstRule]) -> None:
    info = rule.info()
    assert isinstance(info, RuleInfo)
    assert info.analyzer == "cst" and info.id == rule.id
    assert info.description and info.description == (rule.__doc__ or "").strip().splitlines()[0]
    assert len(info.docs.splitlines()) >= 3
    assert len(rule.VALID) >= 2 and len(rule.INVALID) >= 2
    # every option model forbids unknown keys and is frozen
    assert rule.Options.model_config.get("extra") == "forbid" and rule.Options.model_config.get("frozen")


def test_rule_names_match_the_brief() -> None:
    assert {r.id: r.name for r in CORE} == {
        "QG101": "bare-except",
        "QG102": "exception-swallowed",
        "QG103": "mutable-default-argument",
        "QG104": "identical-branches",
        "QG105": "collapsible-if",
        "QG106": "duplicate-dict-key",
        "QG107": "empty-function-body",
        "QG108": "print-call",
        "QG109": "todo-comment",
        "QG110": "fixme-comment",
        "QG111": "builtin-shadowing",
        "QG112": "none-comparison",
        "QG113": "assert-on-tuple",
        "QG114": "too-many-parameters",
        "QG115": "too-deep-nesting",
        "QG116": "cognitive-complexity",
    }
