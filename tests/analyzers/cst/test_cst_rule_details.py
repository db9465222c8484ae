"""Rule behaviour beyond the examples: messages, paths, options, edge cases."""

from __future__ import annotations

import pytest

from qgate.analyzers.cst import discover_rules
from qgate.analyzers.cst.engine import analyze_text
from qgate.analyzers.cst.rules.print_call import is_script_path

RULES = {rule.id: rule for rule in discover_rules()}


def run(rule_id: str, code: str, path: str = "pkg/mod.py", **options: object) -> list[tuple[int, int, str]]:
    rule = RULES[rule_id]
    issues, errors = analyze_text(code, path, [(rule, rule.Options.model_validate(options))])
    assert errors == []
    return [(i.line, i.column, i.message) for i in issues]


def test_identical_branches_message_names_the_earlier_line() -> None:
    code = "if a:\n    x = 1\n    y = 2\nelif b:\n    z = 0\nelif c:\n    x = 1\n    y = 2\n"
    assert run("QG104", code) == [
        (6, 1, "This branch has the same implementation as the branch on line 1; merge them or fix one.")
    ]


def test_duplicate_key_message_names_the_first_line() -> None:
    assert run("QG106", 'd = {\n    "k": 1,\n    "k": 2,\n}\n') == [
        (3, 5, "Duplicate key in dictionary literal; it was first set on line 2.")
    ]


@pytest.mark.parametrize(
    ("path", "exempt"),
    [
        ("pkg/__main__.py", True),
        ("tests/test_api.py", True),
        ("pkg/api_test.py", True),
        ("conftest.py", True),
        ("pkg/testing.py", False),
        ("pkg/contest.py", False),
        ("pkg/latest_test_data.py", False),
    ],
)
def test_print_call_file_exemptions(path: str, exempt: bool) -> None:
    assert is_script_path(path) is exempt
    assert run("QG108", "print(1)\n", path=path) == ([] if exempt else [(1, 1, run("QG108", "print(1)\n")[0][2])])


def test_print_in_single_line_main_guard_is_exempt() -> None:
    assert run("QG108", "if '__main__' == __name__: print(run())\n") == []


def test_too_many_parameters_message_and_option() -> None:
    code = "def f(a, b, c, d):\n    pass\n"
    assert run("QG114", code, max=3) == [(1, 5, "Function 'f' has 4 parameters, which is more than the 3 allowed.")]
    assert run("QG114", code) == []


def test_builtin_shadowing_ignore_option_is_per_name() -> None:
    code = "def get(id, type):\n    return id\n"
    assert [(line, col) for line, col, _ in run("QG111", code, ignore=["id"])] == [(1, 13)]


def test_too_deep_nesting_reports_once_per_outermost_block() -> None:
    code = "if a:\n    if b:\n        if c:\n            if d:\n                pass\n        if e:\n            pass\n"
    # max 2: the 'if c' block is reported, the deeper 'if d' is not; the sibling 'if e' block is
    assert [(line, col) for line, col, _ in run("QG115", code, max=2)] == [(3, 9), (6, 9)]


def test_comment_rules_report_the_comment_position_only() -> None:
    code = "x = 1  # TODO and FIXME\n"
    assert [(line, col) for line, col, _ in run("QG109", code)] == [(1, 8)]
    assert run("QG110", code) == [(1, 8, "Take the required action to fix the issue indicated by this FIXME comment.")]


def test_mutable_default_in_nested_lambda_and_async_def() -> None:
    code = "async def f(x=dict()):\n    return lambda y={1}: y\n"
    assert [(line, col) for line, col, _ in run("QG103", code)] == [(1, 15), (2, 21)]
