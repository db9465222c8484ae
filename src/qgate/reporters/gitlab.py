"""GitLab Code Quality report: a JSON array of Code Climate issues (``artifacts:reports:codequality``).

It holds every active issue, new or not: GitLab compares the report with the target branch's itself.
Suppressed issues are left out (GitLab has no notion of them). Fingerprints are unique within the report:
GitLab keeps only the first issue of a fingerprint, so a colliding one gets a derived, deterministic fingerprint.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from qgate.model import Issue, IssueType, Report

_CATEGORIES = {
    IssueType.BUG: "Bug Risk",
    IssueType.VULNERABILITY: "Security",
    IssueType.SECURITY_HOTSPOT: "Security",
    IssueType.CODE_SMELL: "Style",
}


def _categories(issue: Issue) -> list[str]:
    tags = {tag.lower() for tag in issue.tags}
    if issue.type is IssueType.CODE_SMELL:
        if "complexity" in tags:
            return ["Complexity"]
        if "duplication" in tags:
            return ["Duplication"]
        if "performance" in tags:
            return ["Performance"]
    return [_CATEGORIES[issue.type]]


def _digest(*parts: object) -> str:
    return hashlib.sha256("\0".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:32]


def _fingerprints(issues: list[Issue]) -> list[str]:
    base = [i.fingerprint or _digest(i.rule, i.path, i.line_hash or i.line, i.column, i.message) for i in issues]
    taken = set(base)
    used: set[str] = set()
    out = []
    for fingerprint in base:
        if fingerprint in used:
            n = 1
            candidate = _digest(fingerprint, n)
            while candidate in used or candidate in taken:
                n += 1
                candidate = _digest(fingerprint, n)
            fingerprint = candidate
        used.add(fingerprint)
        out.append(fingerprint)
    return out


def build(report: Report) -> list[dict[str, Any]]:
    issues = sorted(report.issues, key=Issue.sort_key)
    out = []
    for issue, fingerprint in zip(issues, _fingerprints(issues)):
        out.append(
            {
                "type": "issue",
                "check_name": issue.rule,
                "description": issue.message,
                "categories": _categories(issue),
                "severity": issue.severity.value,
                "fingerprint": fingerprint,
                "location": {"path": issue.path, "lines": {"begin": issue.line, "end": max(issue.end_line, issue.line)}},
                "engine_name": issue.tool,
            }
        )
    return out


def render(report: Report) -> str:
    return json.dumps(build(report), indent=2, ensure_ascii=False) + "\n"
