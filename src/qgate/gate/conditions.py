"""Gate evaluation: a pure function of conditions and metric values.

A condition *fails* when ``actual <op> threshold`` holds (``new_violations gt 0`` fails with 1 new issue),
as in SonarQube. A condition whose metric has no value is reported as ``no_value`` and does not fail the
gate. Conditions on coverage and duplication are ``ignored`` when the change has fewer new lines than the
small-change limit. Any fatal analysis error makes the gate status ``error``.
"""

from __future__ import annotations

import operator
from typing import Callable, Mapping, Optional, Sequence

from qgate.gate.presets import SMALL_CHANGE_METRICS
from qgate.model import Condition, ConditionResult, GateResult, MetricValue

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "gt": operator.gt,
    "lt": operator.lt,
    "gte": operator.ge,
    "lte": operator.le,
    "eq": operator.eq,
    "ne": operator.ne,
}


def evaluate_condition(
    condition: Condition, metrics: Mapping[str, MetricValue], small_change: bool
) -> ConditionResult:
    actual = metrics.get(condition.metric)
    common = {"metric": condition.metric, "op": condition.op, "threshold": condition.threshold, "actual": actual}
    if small_change and condition.metric in SMALL_CHANGE_METRICS:
        return ConditionResult(**common, status="ignored", note="small change: fewer new lines than the limit")
    if actual is None:
        return ConditionResult(**common, status="no_value", note="metric not computed")
    failed = OPERATORS[condition.op](float(actual), float(condition.threshold))
    return ConditionResult(**common, status="failed" if failed else "passed")


def evaluate_gate(
    conditions: Sequence[Condition],
    metrics: Mapping[str, MetricValue],
    *,
    new_lines: Optional[int] = None,
    small_change_lines: int = 20,
    fatal_errors: int = 0,
    preset: Optional[str] = None,
) -> GateResult:
    """Evaluate every condition against ``metrics`` (overall and new-code keys in one mapping)."""
    small_change = new_lines is not None and new_lines < small_change_lines
    results = tuple(evaluate_condition(c, metrics, small_change) for c in conditions)
    notes: list[str] = []
    if small_change and any(r.status == "ignored" for r in results):
        notes.append(
            f"small change ({new_lines} new lines < {small_change_lines}): coverage and duplication conditions ignored"
        )
    if fatal_errors:
        notes.append(f"{fatal_errors} analyzer failure(s): the verdict cannot be trusted")
        status = "error"
    else:
        status = "failed" if any(r.status == "failed" for r in results) else "passed"
    return GateResult(status=status, preset=preset, conditions=results, notes=tuple(notes))
