"""SARIF 2.1.0 for GitHub code scanning (and any SARIF viewer).

One run holds every issue: active ones and suppressed ones (with ``suppressions``), each marked with
``baselineState`` "new" or "unchanged". GitHub accepts at most 25,000 results per run: beyond that the most
severe new issues are kept first and the run says how many were left out (a run property and a notification).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import PurePosixPath
from typing import Any, Optional
from urllib.parse import quote

from qgate.model import Issue, IssueType, Report, RuleInfo, Severity

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://qgate.dev"
MAX_RESULTS = 25_000
FINGERPRINT_KEY = "qgate/v1"
CATEGORY = "qgate/"

LEVELS = {
    Severity.BLOCKER: "error",
    Severity.CRITICAL: "error",
    Severity.MAJOR: "warning",
    Severity.MINOR: "note",
    Severity.INFO: "note",
}
SECURITY_SEVERITY = {
    Severity.BLOCKER: "9.5",
    Severity.CRITICAL: "8.0",
    Severity.MAJOR: "5.5",
    Severity.MINOR: "3.0",
    Severity.INFO: "1.0",
}
_SECURITY_TYPES = (IssueType.VULNERABILITY, IssueType.SECURITY_HOTSPOT)
_IN_SOURCE = {"noqa", "nosonar", "qgate-ignore", "nosec"}


def _uri(path: str) -> str:
    return quote(path, safe="/")


def _root_uri(root: str) -> Optional[str]:
    posix = root.replace("\\", "/")
    if not posix.startswith("/"):
        if len(posix) > 1 and posix[1] == ":":  # a Windows drive
            posix = "/" + posix
        else:
            return None
    uri = "file://" + quote(str(PurePosixPath(posix)), safe="/:")
    return uri if uri.endswith("/") else uri + "/"


def _fallback_rule(issue: Issue) -> RuleInfo:
    """A rule the report does not describe (it should): enough to keep the SARIF consistent."""
    return RuleInfo(
        id=issue.rule, name=issue.rule, analyzer=issue.tool, type=issue.type, severity=issue.severity,
        effort_minutes=issue.effort_minutes, description=f"{issue.rule} ({issue.tool})", cwe=issue.cwe,
    )


def _rule_tags(rule: RuleInfo) -> list[str]:
    tags = list(rule.tags)
    tags.append(rule.type.value.replace("_", "-"))
    if rule.type in _SECURITY_TYPES:
        tags.append("security")
    tags.extend(f"external/cwe/cwe-{cwe}" for cwe in rule.cwe)
    return sorted(set(tags))


def _descriptor(rule: RuleInfo) -> dict[str, Any]:
    docs = rule.docs.strip()
    first_paragraph = docs.split("\n\n", 1)[0].strip() if docs else ""
    properties: dict[str, Any] = {"tags": _rule_tags(rule)}
    if rule.type in _SECURITY_TYPES:
        properties["security-severity"] = SECURITY_SEVERITY[rule.severity]
    properties.update({"analyzer": rule.analyzer, "type": rule.type.value, "effortMinutes": rule.effort_minutes})
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.description},
        "fullDescription": {"text": first_paragraph or rule.description},
        "help": {"text": docs or rule.description, "markdown": docs or rule.description},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": properties,
    }


def _priority(issue: Issue) -> tuple[int, int, int, tuple[str, int, int, str, str]]:
    return (0 if issue.suppression is None else 1, 0 if issue.new else 1, issue.severity.rank, issue.sort_key())


def _line_hashes(issues: list[Issue]) -> dict[tuple[str, int], str]:
    """GitHub's ``<hash>:<occurrence>``: the n-th distinct line of a file with that line hash (1-based)."""
    lines = sorted({(i.path, i.line, i.line_hash) for i in issues if i.line_hash})
    seen: Counter[tuple[str, str]] = Counter()
    out: dict[tuple[str, int], str] = {}
    for path, line, line_hash in lines:
        seen[(path, line_hash)] += 1
        out[(path, line)] = f"{line_hash}:{seen[(path, line_hash)]}"
    return out


def _result(issue: Issue, rule_index: int, line_hashes: dict[tuple[str, int], str]) -> dict[str, Any]:
    end_line = max(issue.end_line, issue.line)
    end_column = issue.end_column if end_line > issue.line else max(issue.end_column, issue.column)
    result: dict[str, Any] = {
        "ruleId": issue.rule,
        "ruleIndex": rule_index,
        "level": LEVELS[issue.severity],
        "message": {"text": issue.message or issue.rule},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(issue.path), "uriBaseId": "%SRCROOT%"},
                    "region": {
                        "startLine": issue.line,
                        "startColumn": issue.column,
                        "endLine": end_line,
                        "endColumn": end_column,
                    },
                }
            }
        ],
    }
    fingerprints: dict[str, str] = {}
    if (issue.path, issue.line) in line_hashes:
        fingerprints["primaryLocationLineHash"] = line_hashes[(issue.path, issue.line)]
    if issue.fingerprint:
        fingerprints[FINGERPRINT_KEY] = issue.fingerprint
    if fingerprints:
        result["partialFingerprints"] = fingerprints
    result["baselineState"] = "new" if issue.new else "unchanged"
    if issue.suppression is not None:
        kind = "inSource" if issue.suppression in _IN_SOURCE else "external"
        result["suppressions"] = [{"kind": kind, "status": "accepted", "properties": {"mechanism": issue.suppression}}]
    properties: dict[str, Any] = {
        "analyzer": issue.tool,
        "type": issue.type.value,
        "severity": issue.severity.value,
        "effortMinutes": issue.effort_minutes,
    }
    if issue.cwe:
        properties["cwe"] = [f"CWE-{cwe}" for cwe in issue.cwe]
    if issue.tags:
        properties["tags"] = list(issue.tags)
    result["properties"] = properties
    return result


def _notification(level: str, text: str, path: Optional[str] = None, line: Optional[int] = None, **props: Any) -> dict[str, Any]:
    note: dict[str, Any] = {"level": level, "message": {"text": text}}
    if path:
        physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(path), "uriBaseId": "%SRCROOT%"}}
        if line:
            physical["region"] = {"startLine": line}
        note["locations"] = [{"physicalLocation": physical}]
    if props:
        note["properties"] = props
    return note


def build(report: Report, max_results: int = MAX_RESULTS) -> dict[str, Any]:
    """The SARIF log as a JSON-ready dict."""
    everything = list(report.issues) + list(report.suppressed)
    total = len(everything)
    if total > max_results:
        kept = sorted(everything, key=_priority)[:max_results]
    else:
        kept = everything
    kept.sort(key=lambda i: (i.sort_key(), i.suppression is not None))
    omitted = total - len(kept)

    known = {rule.id: rule for rule in report.rules}
    for issue in everything:
        if issue.rule not in known:
            known[issue.rule] = _fallback_rule(issue)
    rules = sorted(known.values(), key=lambda r: r.id)
    index = {rule.id: n for n, rule in enumerate(rules)}
    line_hashes = _line_hashes(everything)

    notifications = [
        _notification("error" if e.fatal else "warning", f"[{e.analyzer}] {e.message}", e.path, e.line, analyzer=e.analyzer, fatal=e.fatal)
        for e in report.errors
    ]
    notifications += [_notification("note", f"skipped: {s.reason}", s.path) for s in report.skipped]
    run_properties: dict[str, Any] = {
        "gate": {"status": report.gate.status, "preset": report.gate.preset},
        "newCode": report.new_code.model_dump(mode="json"),
        "totalResults": total,
    }
    if omitted:
        text = (
            f"{omitted} of {total} results were left out: GitHub accepts at most {max_results} results per run "
            "(the most severe new issues were kept first)."
        )
        notifications.append(_notification("warning", text))
        run_properties.update({"truncated": True, "omittedResults": omitted})

    invocation: dict[str, Any] = {"executionSuccessful": not any(e.fatal for e in report.errors)}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications

    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": report.tool.name,
                "version": report.tool.version,
                "informationUri": INFORMATION_URI,
                "rules": [_descriptor(rule) for rule in rules],
            }
        },
        "automationDetails": {"id": CATEGORY},
        "invocations": [invocation],
        "results": [_result(issue, index[issue.rule], line_hashes) for issue in kept],
        "properties": run_properties,
    }
    root_uri = _root_uri(report.root)
    if root_uri:
        run["originalUriBaseIds"] = {"%SRCROOT%": {"uri": root_uri}}
    else:
        run["originalUriBaseIds"] = {"%SRCROOT%": {"description": {"text": "The analysis root."}}}
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def render(report: Report, max_results: int = MAX_RESULTS) -> str:
    return json.dumps(build(report, max_results), indent=2, ensure_ascii=False) + "\n"
