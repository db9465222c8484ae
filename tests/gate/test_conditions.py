from qgate.gate.conditions import evaluate_condition, evaluate_gate
from qgate.gate.presets import effective_conditions, preset_conditions
from qgate.model import Condition

import pytest
from qgate.errors import ConfigError


@pytest.mark.parametrize(
    ("op", "actual", "threshold", "status"),
    [
        ("gt", 1, 0, "failed"),
        ("gt", 0, 0, "passed"),
        ("lt", 79.9, 80, "failed"),
        ("lt", 80, 80, "passed"),
        ("gte", 3, 3, "failed"),
        ("lte", 2, 3, "failed"),
        ("eq", 5, 5, "failed"),
        ("ne", 5, 5, "passed"),
    ],
)
def test_condition_fails_when_the_comparison_holds(op, actual, threshold, status):
    result = evaluate_condition(Condition(metric="m", op=op, threshold=threshold), {"m": actual}, small_change=False)
    assert result.status == status
    assert result.actual == actual


def test_missing_metric_is_no_value_and_does_not_fail():
    gate = evaluate_gate([Condition(metric="new_coverage", op="lt", threshold=80)], {}, new_lines=100)
    assert gate.status == "passed"
    assert gate.conditions[0].status == "no_value"
    assert gate.conditions[0].actual is None


def test_small_change_ignores_coverage_and_duplication_only():
    conditions = preset_conditions("qgate-way")
    metrics = {"new_violations": 1, "new_coverage": 10.0, "new_duplicated_lines_density": 50.0}
    gate = evaluate_gate(conditions, metrics, new_lines=5, small_change_lines=20)
    statuses = {c.metric: c.status for c in gate.conditions}
    assert statuses == {
        "new_violations": "failed",
        "new_coverage": "ignored",
        "new_duplicated_lines_density": "ignored",
        "new_security_hotspots_reviewed": "no_value",
    }
    assert gate.status == "failed"
    assert any("small change" in note for note in gate.notes)


def test_large_change_evaluates_coverage():
    gate = evaluate_gate(preset_conditions("qgate-way"), {"new_violations": 0, "new_coverage": 50.0}, new_lines=20)
    assert {c.metric: c.status for c in gate.conditions}["new_coverage"] == "failed"
    assert gate.status == "failed"


def test_fatal_errors_make_the_status_error():
    gate = evaluate_gate(preset_conditions("qgate-way"), {"new_violations": 0}, new_lines=100, fatal_errors=1)
    assert gate.status == "error"


def test_configured_condition_replaces_preset_condition_on_same_metric():
    extra = (Condition(metric="new_violations", op="gt", threshold=5), Condition(metric="new_bugs", op="gt", threshold=0))
    merged = effective_conditions("qgate-way", extra)
    assert merged[0] == extra[0]
    assert merged[-1] == extra[1]
    assert len(merged) == 5


def test_unknown_preset_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown gate preset 'nope'"):
        preset_conditions("nope")
