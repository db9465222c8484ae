"""The bandit analyzer: bandit run once per qgate run, as a subprocess, over all the selected files.

bandit runs as ``<python> -m bandit -f json -q --ignore-nosec -- ./a.py ./b.py ...`` in the analysis
root (``<python>`` is ``sys.executable`` unless the constructor is given another interpreter). The
argument list is split only when it would exceed a safe command-line size. ``--ignore-nosec`` is
deliberate: qgate applies ``# nosec`` itself so that suppressed issues are counted, not lost; this
adapter returns every result bandit finds.

Mapping of one bandit result to an :class:`~qgate.model.Issue`:

* rule = ``test_id`` (``B602``), message = ``issue_text``, tool ``bandit``;
* severity: HIGH -> critical, MEDIUM -> major, LOW -> minor, UNDEFINED -> info;
* type: ``vulnerability`` when bandit's confidence is HIGH, else ``security_hotspot``;
* cwe from ``issue_cwe.id`` (0 / missing dropped); tags ``security``, the ``test_name`` and
  ``confidence:<level>`` (lower case);
* position: ``line_number`` / ``col_offset`` + 1 to ``max(line_range)`` / ``end_col_offset`` + 1; bandit
  counts columns in UTF-8 bytes, they are converted to characters with the file's text;
* effort (minutes) per severity: critical 30, major 15, minor 10, info 5.

Failures: each entry of bandit's ``errors[]`` (a file it cannot parse) is a non-fatal
:class:`~qgate.model.AnalysisError` with the path; bandit missing, crashing, timing out
(``context.timeout_seconds`` for the whole run) or printing non-JSON is ONE fatal error.

Options (``[tool.qgate.analyzers.bandit]``): ``skips`` (test ids passed to ``--skip``); ``python``, the
interpreter that has bandit installed (a path, ``~`` expanded, relative to the configuration's folder, or a
name looked up on PATH; default: the interpreter running qgate), for a bandit outside qgate's environment.
An interpreter that cannot be found is a fatal analysis error (the gate status is ``error`` unless bandit is
listed in ``analyzers.optional``). Results of rules that the rule selection disables are dropped; when
``select`` is given only the enabled tests run.
"""

from __future__ import annotations

import ast
import inspect
import json
import os
import re
import sys
import time
import warnings
from functools import lru_cache
from typing import Any, Mapping, Optional, Sequence

from pydantic import BaseModel, ConfigDict, Field

from qgate.analyzers._subprocess import (
    ARGV_LIMIT,
    ScannerFailure,
    ScannerTimeout,
    byte_to_char_column,
    chunk_arguments,
    configured_program,
    last_line,
    run_scanner,
    target_argument,
    tool_path,
)
from qgate.analyzers.base import Analyzer, AnalyzerContext, AnalyzerOutput, distribution_version
from qgate.errors import ConfigError
from qgate.model import AnalysisError, Issue, IssueType, RuleInfo, Severity
from qgate.source import SourceFile

NAME = "bandit"

SEVERITY_MAP: Mapping[str, Severity] = {
    "HIGH": Severity.CRITICAL,
    "MEDIUM": Severity.MAJOR,
    "LOW": Severity.MINOR,
    "UNDEFINED": Severity.INFO,
}

EFFORT_MINUTES: Mapping[Severity, int] = {
    Severity.BLOCKER: 45,
    Severity.CRITICAL: 30,
    Severity.MAJOR: 15,
    Severity.MINOR: 10,
    Severity.INFO: 5,
}

_TEST_ID = re.compile(r"^B\d{3}$")


class BanditOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    skips: list[str] = []
    python: Optional[str] = Field(default=None, min_length=1)


class BanditAnalyzer(Analyzer):
    name = NAME
    description = "Security issues found by bandit (PyCQA), run as a subprocess."
    Options = BanditOptions
    #: command-line budget in bytes; the argument list is split into several runs only beyond it
    argv_limit: int = ARGV_LIMIT

    def __init__(self, context: AnalyzerContext, *, python: Optional[str] = None) -> None:
        """``python``: the interpreter that runs ``-m bandit`` (default: the ``python`` option, then
        ``sys.executable``)."""
        super().__init__(context)
        self._missing: Optional[str] = None
        configured = self.options.python
        if python is None and configured is not None:
            python = configured_program(configured, context.config_root or context.root)
            if python is None:
                self._missing = (
                    f"bandit could not be started: interpreter {configured!r} "
                    f"({context.options_source or 'tool.qgate.analyzers.bandit'}.python) not found or not executable"
                )
        self.python = python or sys.executable
        where = f"{context.options_source or 'tool.qgate.analyzers.bandit'}.skips"
        known = {rule.id for rule in bandit_rules()}
        for test_id in self.options.skips:
            if not _TEST_ID.match(test_id):
                raise ConfigError(f"{where}: {test_id!r} is not a bandit test id (like B101)")
            if known and test_id not in known:
                raise ConfigError(f"{where}: unknown bandit test {test_id!r}")

    # -- rules -------------------------------------------------------------------------------

    def rules(self) -> Sequence[RuleInfo]:
        return bandit_rules()

    def cache_inputs(self) -> Mapping[str, Any]:
        return {"bandit": distribution_version("bandit"), "python": self.python or ""}

    # -- analysis ----------------------------------------------------------------------------

    def analyze(self, files: Sequence[SourceFile]) -> AnalyzerOutput:
        if not files:
            return AnalyzerOutput()
        by_id = {rule.id: rule for rule in self.rules()}
        enabled = {rule.id for rule in by_id.values() if self.context.selection.is_enabled(rule)}
        if not enabled:
            return AnalyzerOutput()
        if self._missing is not None:
            return AnalyzerOutput(errors=(AnalysisError(analyzer=NAME, message=self._missing, fatal=True),))
        sources = {source.path: source for source in files}

        command = [self.python, "-m", "bandit", "-f", "json", "-q", "--ignore-nosec", "-n", "1"]
        if self.context.selection.select:
            command += ["--tests", ",".join(sorted(enabled))]
        if self.options.skips:
            command += ["--skip", ",".join(self.options.skips)]
        command.append("--")

        env = dict(os.environ, PYTHONIOENCODING="utf-8")
        deadline = time.monotonic() + self.context.timeout_seconds
        issues: list[Issue] = []
        errors: list[AnalysisError] = []
        for chunk in chunk_arguments(command, [target_argument(p) for p in sorted(sources)], self.argv_limit):
            try:
                report = self._run(command + chunk, env, deadline)
            except ScannerFailure as exc:
                errors.append(AnalysisError(analyzer=NAME, message=str(exc), fatal=True))
                break
            for result in report.get("results") or ():
                issue = _to_issue(result, sources)
                if issue is None:
                    continue
                rule = by_id.get(issue.rule) or _unknown_rule(issue.rule, result)
                if self.context.selection.is_enabled(rule):
                    issues.append(issue)
            for error in report.get("errors") or ():
                errors.append(_to_error(error))
        return AnalyzerOutput(
            issues=tuple(sorted(issues, key=Issue.sort_key)),
            errors=tuple(sorted(set(errors), key=AnalysisError.sort_key)),
        )

    def _run(self, argv: list[str], env: dict[str, str], deadline: float) -> dict[str, Any]:
        timed_out = f"bandit timed out after {self.context.timeout_seconds:g} s"
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ScannerTimeout(timed_out)
        try:
            done = run_scanner(argv, cwd=self.context.root, timeout=remaining, env=env, name="bandit")
        except ScannerTimeout:
            raise ScannerTimeout(timed_out) from None
        try:
            report = json.loads(done.stdout)
        except ValueError:
            detail = last_line(done.stderr) or last_line(done.stdout) or "no output"
            raise ScannerFailure(f"bandit failed (exit code {done.returncode}): {detail}") from None
        if not isinstance(report, dict) or not isinstance(report.get("results"), list):
            raise ScannerFailure(f"bandit printed JSON without a results list (exit code {done.returncode})")
        return report


# -- result mapping ------------------------------------------------------------------------------


def _to_issue(result: Mapping[str, Any], sources: Mapping[str, SourceFile]) -> Optional[Issue]:
    test_id = str(result.get("test_id") or "")
    filename = result.get("filename")
    if not test_id or not isinstance(filename, str):
        return None
    path = tool_path(filename)
    source = sources.get(path)

    line = max(_int(result.get("line_number"), 1), 1)
    line_range = [n for n in (_int(v, 0) for v in result.get("line_range") or ()) if n >= 1]
    end_line = max([line, *line_range])
    start_text = source.line(line) if source else ""
    end_text = source.line(end_line) if source else ""
    column = byte_to_char_column(start_text, max(_int(result.get("col_offset"), 0), 0)) + 1
    end_offset = _int(result.get("end_col_offset"), 0)
    if end_offset > 0:
        end_column = byte_to_char_column(end_text, end_offset) + 1
    else:  # bandit did not say where the node ends: the rest of the line
        end_column = len(end_text) + 1
    if end_line == line and end_column <= column:
        end_column = max(len(end_text) + 1, column + 1)

    severity = SEVERITY_MAP.get(str(result.get("issue_severity", "")).upper(), Severity.INFO)
    confidence = str(result.get("issue_confidence") or "UNDEFINED").upper()
    cwe_info = result.get("issue_cwe")
    cwe_id = _int(cwe_info.get("id"), 0) if isinstance(cwe_info, Mapping) else 0
    test_name = str(result.get("test_name") or "")
    tags = ["security"]
    if test_name:
        tags.append(test_name)
    tags.append(f"confidence:{confidence.lower()}")
    return Issue(
        rule=test_id,
        tool=NAME,
        type=IssueType.VULNERABILITY if confidence == "HIGH" else IssueType.SECURITY_HOTSPOT,
        severity=severity,
        message=str(result.get("issue_text") or test_name or test_id).strip(),
        path=path,
        line=line,
        end_line=end_line,
        column=column,
        end_column=end_column,
        effort_minutes=EFFORT_MINUTES[severity],
        cwe=(cwe_id,) if cwe_id > 0 else (),
        tags=tuple(tags),
    )


def _to_error(error: Mapping[str, Any]) -> AnalysisError:
    filename = error.get("filename")
    reason = " ".join(str(error.get("reason") or "bandit could not analyze the file").split())
    return AnalysisError(analyzer=NAME, path=tool_path(filename) if isinstance(filename, str) else None, message=reason)


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _unknown_rule(test_id: str, result: Mapping[str, Any]) -> RuleInfo:
    """A rule bandit reported but did not declare (a third-party bandit plugin): enabled by default."""
    return RuleInfo(
        id=test_id,
        name=_kebab(str(result.get("test_name") or test_id)),
        analyzer=NAME,
        type=IssueType.SECURITY_HOTSPOT,
        severity=Severity.MAJOR,
        effort_minutes=EFFORT_MINUTES[Severity.MAJOR],
        description=str(result.get("issue_text") or test_id),
        tags=("security",),
    )


# -- rule metadata (bandit imported in-process for metadata only) ---------------------------------


@lru_cache(maxsize=1)
def bandit_rules() -> tuple[RuleInfo, ...]:
    """bandit's test plugins and blacklist checks as RuleInfo, sorted by id (empty if bandit is missing)."""
    try:
        with warnings.catch_warnings():  # stevedore deprecation noise while bandit loads its plugins
            warnings.simplefilter("ignore")
            from bandit.core import extension_loader
            from bandit.core import issue as bandit_issue
    except Exception:  # bandit not importable here: analyze() reports the real problem
        return ()
    cwe_names = {k: v for k, v in vars(bandit_issue.Cwe).items() if k.isupper() and isinstance(v, int)}
    manager = extension_loader.MANAGER
    rules: dict[str, RuleInfo] = {}
    for plugin in manager.plugins:
        func = plugin.plugin
        test_id = getattr(func, "_test_id", None)
        if not test_id:
            continue
        severities, confidences, cwes = _declared_levels(func, cwe_names)
        severity = max((SEVERITY_MAP[s] for s in severities), key=lambda s: -s.rank, default=Severity.MAJOR)
        docs = _plugin_docs(func)
        rules[test_id] = RuleInfo(
            id=test_id,
            name=_kebab(plugin.name),
            analyzer=NAME,
            type=IssueType.VULNERABILITY if "HIGH" in confidences else IssueType.SECURITY_HOTSPOT,
            severity=severity,
            effort_minutes=EFFORT_MINUTES[severity],
            description=_plugin_title(docs, test_id) or plugin.name.replace("_", " "),
            docs=docs,
            cwe=tuple(sorted(c for c in cwes if c > 0)),
            tags=("security",),
        )
    for test_id, check in sorted(manager.blacklist_by_id.items()):
        level = str(check.get("level") or "MEDIUM").upper()
        severity = SEVERITY_MAP.get(level, Severity.MAJOR)
        names = [str(q) for q in check.get("qualnames") or ()]
        qualnames = ", ".join(f"`{q}`" for q in names)
        first = f"`{names[0]}`" if names else "it"
        message = " ".join(str(check.get("message") or "").split())
        cwe = _int(check.get("cwe"), 0)
        rules[test_id] = RuleInfo(
            id=test_id,
            name=_kebab(str(check.get("name") or test_id)),
            analyzer=NAME,
            type=IssueType.VULNERABILITY,  # blacklist hits are always reported with HIGH confidence
            severity=severity,
            effort_minutes=EFFORT_MINUTES[severity],
            description=_first_sentence(message.replace("{name}", first)) or test_id,
            docs=f"{message}\n\nBlacklisted: {qualnames}" if qualnames else message,
            cwe=(cwe,) if cwe > 0 else (),
            tags=("security", "blacklist"),
        )
    return tuple(rules[k] for k in sorted(rules))


def _declared_levels(func: Any, cwe_names: Mapping[str, int]) -> tuple[set[str], set[str], list[int]]:
    """The severities, confidences and CWEs a plugin passes to ``bandit.Issue(...)``, read from its source."""
    severities: set[str] = set()
    confidences: set[str] = set()
    cwes: list[int] = []
    for obj in (func, sys.modules.get(getattr(func, "__module__", ""), None)):
        if obj is None:
            continue
        try:
            tree = ast.parse(inspect.getsource(obj))
        except (OSError, TypeError, SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.keyword) or not isinstance(node.value, ast.Attribute):
                continue
            value = node.value.attr
            if node.arg == "severity" and value in SEVERITY_MAP:
                severities.add(value)
            elif node.arg == "confidence" and value in SEVERITY_MAP:
                confidences.add(value)
            elif node.arg == "cwe" and value in cwe_names and cwe_names[value] not in cwes:
                cwes.append(cwe_names[value])
        if severities or confidences:
            break
    return severities, confidences, cwes


def _plugin_docs(func: Any) -> str:
    module = sys.modules.get(getattr(func, "__module__", ""), None)
    return inspect.cleandoc(getattr(module, "__doc__", None) or func.__doc__ or "")


def _plugin_title(docs: str, test_id: str) -> str:
    match = re.search(rf"^\**{test_id}: (.+?)\**$", docs, re.MULTILINE)
    return match.group(1).strip() if match else ""


def _first_sentence(text: str) -> str:
    return text.split(". ")[0].strip().rstrip(".")


def _kebab(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
