"""Suppression comments and per-path ignores. Pure functions.

Recognised comments (case-insensitive, anywhere in the comment on the issue's first or last line):

* ``# noqa`` silences every issue on the line; ``# noqa: QG101,B602`` only those rules (flake8/ruff syntax);
* ``# NOSONAR`` silences every issue on the line (SonarQube);
* ``# qgate: ignore`` silences everything, ``# qgate: ignore[QG101, B602]`` only those rules;
* ``# nosec`` / ``# nosec B602, B607`` / ``# nosec: B602`` silences bandit findings (bandit's own syntax);
* ``# nosemgrep`` / ``# nosemgrep: rule-id`` silences semgrep findings (semgrep's own syntax).

Rule lists match a rule by id, by prefix (``QG1`` matches ``QG101``) or by name. Suppressed issues are kept,
marked with how they were suppressed, and counted in the report.
"""

from __future__ import annotations

import re
from typing import Mapping, Optional, Sequence

import pathspec

from qgate.model import Frozen, Issue

_CODES = r"[A-Za-z][\w.\-]*(?:[\s,]+[A-Za-z][\w.\-]*)*"
_NOQA = re.compile(rf"#\s*noqa(?::\s*(?P<codes>{_CODES}))?", re.IGNORECASE)
_NOSONAR = re.compile(r"NOSONAR", re.IGNORECASE)
_QGATE = re.compile(r"#\s*qgate:\s*ignore(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)
_NOSEC = re.compile(r"#\s*nosec\b(?::?\s*(?P<codes>B\d+(?:[\s,]+B\d+)*))?", re.IGNORECASE)
_NOSEMGREP = re.compile(r"#\s*nosemgrep\b(?::\s*(?P<codes>[\w.\-]+(?:[\s,]+[\w.\-]+)*))?", re.IGNORECASE)


class Directive(Frozen):
    kind: str  # which directive: noqa, nosonar, qgate-ignore, nosec or nosemgrep
    codes: Optional[tuple[str, ...]] = None  # None: every rule
    tool: Optional[str] = None  # only issues of this analyzer

    def covers(self, issue: Issue) -> bool:
        if self.tool is not None and issue.tool != self.tool:
            return False
        if self.codes is None:
            return True
        return any(_code_matches(code, issue.rule) for code in self.codes)


def _code_matches(code: str, rule: str) -> bool:
    code_u, rule_u = code.upper(), rule.upper()
    return rule_u == code_u or rule_u.startswith(code_u) or rule_u.endswith("." + code_u)


def _split(codes: Optional[str]) -> Optional[tuple[str, ...]]:
    if codes is None:
        return None
    parts = tuple(p for p in re.split(r"[\s,]+", codes.strip()) if p)
    return parts or None


def parse_directives(comment: str) -> tuple[Directive, ...]:
    """Every suppression directive in one comment."""
    found: list[Directive] = []
    for match in _NOQA.finditer(comment):
        found.append(Directive(kind="noqa", codes=_split(match.group("codes"))))
    if _NOSONAR.search(comment):
        found.append(Directive(kind="nosonar"))
    for match in _QGATE.finditer(comment):
        codes = match.group("codes")
        found.append(Directive(kind="qgate-ignore", codes=_split(codes) if codes is not None else None))
    for match in _NOSEC.finditer(comment):
        found.append(Directive(kind="nosec", codes=_split(match.group("codes")), tool="bandit"))
    for match in _NOSEMGREP.finditer(comment):
        found.append(Directive(kind="nosemgrep", codes=_split(match.group("codes")), tool="semgrep"))
    return tuple(found)


def inline_suppression(issue: Issue, comments: Mapping[int, str]) -> Optional[str]:
    """How an issue is suppressed by a comment on its first or last line, or None."""
    for line in dict.fromkeys((issue.line, issue.end_line)):
        comment = comments.get(line)
        if not comment:
            continue
        for directive in parse_directives(comment):
            if directive.covers(issue):
                return directive.kind
    return None


class PathIgnores:
    """``per_path_ignores``: gitignore-style pattern -> rule ids/prefixes (or ALL)."""

    def __init__(self, table: Mapping[str, Sequence[str]]) -> None:
        self._entries = [
            (pathspec.GitIgnoreSpec.from_lines([pattern]), tuple(codes)) for pattern, codes in table.items()
        ]

    def covers(self, issue: Issue) -> bool:
        for spec, codes in self._entries:
            if spec.match_file(issue.path) and any(
                code.upper() == "ALL" or _code_matches(code, issue.rule) for code in codes
            ):
                return True
        return False


def apply_suppressions(
    issues: Sequence[Issue],
    comments_by_path: Mapping[str, Mapping[int, str]],
    path_ignores: PathIgnores,
) -> list[Issue]:
    """Mark each suppressed issue with how it was suppressed; active issues are returned unchanged."""
    result: list[Issue] = []
    for issue in issues:
        kind = "config" if path_ignores.covers(issue) else inline_suppression(issue, comments_by_path.get(issue.path, {}))
        result.append(issue.model_copy(update={"suppression": kind}) if kind else issue)
    return result
