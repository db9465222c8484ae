"""JUnit XML, for CI systems that show test reports (GitLab, Jenkins, Azure...).

Two suites: "quality gate" (one test case per gate condition: failure when it failed, skipped when it has no
value or is ignored; plus an "analysis" case in error when an analyzer failed fatally) and "rules" (one test case
per rule with new issues, one ``<failure>`` per new issue).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from itertools import groupby

from qgate.model import ConditionResult, Issue, Report

_OPS = {"gt": ">", "lt": "<", "gte": ">=", "lte": "<=", "eq": "==", "ne": "!="}
# Characters XML 1.0 cannot carry, even escaped.
_INVALID_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    return _INVALID_XML.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text)


def _fmt(value: object) -> str:
    if value is None:
        return "no value"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _element(parent: ET.Element, tag: str, text: str = "", **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {key: _clean(value) for key, value in attributes.items()})
    if text:  # an XML parser turns CR LF and CR into LF in text anyway: do it here, explicitly
        element.text = _clean(text.replace("\r\n", "\n").replace("\r", "\n"))
    return element


def _suite(parent: ET.Element, name: str) -> ET.Element:
    return ET.SubElement(parent, "testsuite", {"name": name})


def _count(suite: ET.Element) -> dict[str, int]:
    cases = suite.findall("testcase")
    return {
        "tests": len(cases),
        "failures": sum(1 for c in cases if c.find("failure") is not None),
        "errors": sum(1 for c in cases if c.find("error") is not None),
        "skipped": sum(1 for c in cases if c.find("skipped") is not None),
    }


def _condition_case(suite: ET.Element, condition: ConditionResult) -> None:
    name = f"{condition.metric} {_OPS[condition.op]} {_fmt(condition.threshold)}"
    case = _element(suite, "testcase", name=name, classname="qgate.gate")
    detail = f"{condition.metric} is {_fmt(condition.actual)}; the gate fails when it is {_OPS[condition.op]} {_fmt(condition.threshold)}"
    if condition.note:
        detail += f" ({condition.note})"
    if condition.status == "failed":
        _element(case, "failure", detail, message=detail, type="failed")
    elif condition.status in ("no_value", "ignored"):
        _element(case, "skipped", message=f"{condition.status.replace('_', ' ')}: {condition.note or detail}")
    _element(case, "system-out", f"actual: {_fmt(condition.actual)}")


def _issue_failure(case: ET.Element, issue: Issue) -> None:
    message = f"{issue.path}:{issue.line}: {issue.message}"
    body = (
        f"{issue.path}:{issue.line}:{issue.column}: {issue.severity.value} {issue.rule} "
        f"({issue.type.value}, {issue.tool}): {issue.message}"
    )
    _element(case, "failure", body, message=message, type=issue.severity.value)


def build(report: Report) -> ET.Element:
    root = ET.Element("testsuites", {"name": "qgate"})
    gate = _suite(root, "quality gate")
    for condition in report.gate.conditions:
        _condition_case(gate, condition)
    fatal = [e for e in report.errors if e.fatal]
    if fatal:
        case = _element(gate, "testcase", name="analysis", classname="qgate.gate")
        lines = [f"[{e.analyzer}] {e.path + ': ' if e.path else ''}{e.message}" for e in fatal]
        _element(case, "error", "\n".join(lines), message=f"{len(fatal)} fatal analysis error(s)", type="fatal")

    rules_suite = _suite(root, "rules")
    names = {rule.id: rule.name for rule in report.rules}
    new = sorted((i for i in report.issues if i.new), key=lambda i: (i.rule, i.sort_key()))
    for rule_id, group in groupby(new, key=lambda i: i.rule):
        issues = list(group)
        name = f"{rule_id} {names[rule_id]}" if rule_id in names else rule_id
        case = _element(rules_suite, "testcase", name=name, classname=f"qgate.rules.{issues[0].tool}")
        for issue in sorted(issues, key=Issue.sort_key):
            _issue_failure(case, issue)

    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in (gate, rules_suite):
        counts = _count(suite)
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{report.duration_seconds:.3f}")
    return root


def render(report: Report) -> str:
    root = build(report)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
