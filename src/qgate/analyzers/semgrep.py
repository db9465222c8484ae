"""The semgrep analyzer: semgrep run once per qgate run, fully offline, over all the selected files.

Rule sources (``[tool.qgate.analyzers.semgrep]``):

* ``builtin_pack`` (default true): qgate's own pack, ``qgate.packs/semgrep/*.yaml`` (QGS101...);
* ``rules``: rule files or directories, relative to the analysis root. Registry configs (``auto``,
  ``p/...``, ``r/...``, URLs) are rejected with a ConfigError: qgate never downloads rules;
* ``file_timeout_seconds`` (semgrep ``--timeout`` per file, default 5) and ``jobs`` (``--jobs``);
* ``executable``: the semgrep program, for a semgrep outside qgate's environment (a path, ``~`` expanded,
  relative to the configuration's folder, or a name looked up on PATH). One that cannot be found is a
  fatal analysis error (gate status ``error`` unless semgrep is listed in ``analyzers.optional``).

semgrep runs as ``semgrep scan --json --metrics=off --disable-version-check --disable-nosem
--no-git-ignore --no-rewrite-rule-ids --config <each source> -- ./a.py ...`` in the analysis root,
with ``SEMGREP_SEND_METRICS=off`` and ``SEMGREP_ENABLE_VERSION_CHECK=0``. ``--disable-nosem``: qgate
applies ``# nosemgrep`` itself and counts suppressed issues. Without the ``executable`` option the
program is looked up next to ``sys.executable`` first, then on PATH.

Mapping of a result to an :class:`~qgate.model.Issue` (the rule files are also read with PyYAML so
that the rule's metadata is known without trusting semgrep's rewritten ``check_id``):

* rule = the rule's ``id`` as written in its YAML; message = semgrep's (interpolated) message;
* positions from ``start``/``end`` (semgrep columns are 1-based UTF-8 byte columns, converted to
  characters; the end column is exclusive);
* cwe from ``metadata.cwe`` (``"CWE-78: ..."`` -> 78; a string or a list);
* type, severity, effort_minutes from ``metadata.qgate`` when present, otherwise derived: category
  ``security`` -> vulnerability (security_hotspot when ``subcategory`` mentions ``audit`` or
  ``confidence`` is LOW), ``correctness`` -> bug, anything else -> code_smell; semgrep severity
  ERROR/CRITICAL/HIGH -> critical, WARNING/MEDIUM -> major, INFO/LOW -> minor, other -> info;
  effort per severity: critical 30, major 15, minor 5, info 2 minutes.
* semgrep's own fingerprint is ignored (qgate computes its own).

Failures: per-file errors in semgrep's ``errors[]`` (parse errors, per-file timeouts) are non-fatal
AnalysisErrors with the path; rule/config errors, a missing executable, a timeout of the whole run
(``context.timeout_seconds``) or output that is not JSON are fatal.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
import time
from importlib.resources import files as resource_files
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional, Sequence

import yaml
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

NAME = "semgrep"

SEVERITY_MAP: Mapping[str, Severity] = {
    "ERROR": Severity.CRITICAL,
    "CRITICAL": Severity.CRITICAL,
    "HIGH": Severity.CRITICAL,
    "WARNING": Severity.MAJOR,
    "MEDIUM": Severity.MAJOR,
    "INFO": Severity.MINOR,
    "LOW": Severity.MINOR,
}

EFFORT_MINUTES: Mapping[Severity, int] = {
    Severity.BLOCKER: 45,
    Severity.CRITICAL: 30,
    Severity.MAJOR: 15,
    Severity.MINOR: 5,
    Severity.INFO: 2,
}

RULE_FILE_SUFFIXES = (".yaml", ".yml")
_REGISTRY = re.compile(r"^(auto|p/|r/|s/|c/|tags/|gh:|https?://|supply-chain|secrets)", re.IGNORECASE)
_CWE = re.compile(r"CWE-(\d+)", re.IGNORECASE)


def builtin_pack_dir() -> Path:
    """The directory of qgate's built-in semgrep rules (the ``semgrep`` folder of ``qgate.packs``)."""
    return Path(str(resource_files("qgate.packs") / "semgrep"))


class SemgrepOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    builtin_pack: bool = True
    rules: list[str] = []
    file_timeout_seconds: float = Field(default=5.0, gt=0)
    jobs: Optional[int] = Field(default=None, ge=1)
    executable: Optional[str] = Field(default=None, min_length=1)


class SemgrepAnalyzer(Analyzer):
    name = NAME
    description = "Pattern rules run by semgrep (qgate's built-in pack plus your own rule files), offline."
    Options = SemgrepOptions
    #: command-line budget in bytes; the argument list is split into several runs only beyond it
    argv_limit: int = ARGV_LIMIT

    def __init__(self, context: AnalyzerContext, *, executable: Optional[str] = None) -> None:
        """``executable``: the semgrep program to run (default: next to ``sys.executable``, then PATH)."""
        super().__init__(context)
        self._missing: Optional[str] = None
        configured = self.options.executable
        if executable is None and configured is not None:
            executable = configured_program(configured, context.config_root or context.root)
            if executable is None:
                self._missing = (
                    f"semgrep executable {configured!r} "
                    f"({context.options_source or 'tool.qgate.analyzers.semgrep'}.executable) not found or not executable"
                )
        self.executable = executable
        where = f"{context.options_source or 'tool.qgate.analyzers.semgrep'}.rules"
        self.config_paths: list[Path] = []
        if self.options.builtin_pack:
            self.config_paths.append(builtin_pack_dir())
        for value in self.options.rules:
            if _REGISTRY.match(value.strip()):
                raise ConfigError(
                    f"{where}: {value!r} is a semgrep registry config; qgate runs semgrep offline, "
                    "download the rules and list their path instead"
                )
            base = context.config_root or context.root
            path = (base / value).resolve()
            if not path.exists():
                raise ConfigError(f"{where}: {value!r} does not exist (relative to {base})")
            self.config_paths.append(path)
        self._rules = _load_rules(self.config_paths, where)

    def cache_inputs(self) -> Mapping[str, Any]:
        digest = hashlib.sha256()
        for config in self.config_paths:
            for path in rule_files(config):
                digest.update(str(path).encode())
                digest.update(path.read_bytes())
        return {"semgrep": distribution_version("semgrep"), "rules": digest.hexdigest(), "executable": self.executable or ""}

    # -- rules -------------------------------------------------------------------------------

    def rules(self) -> Sequence[RuleInfo]:
        return tuple(self._rules[key] for key in sorted(self._rules))

    # -- analysis ----------------------------------------------------------------------------

    def analyze(self, files: Sequence[SourceFile]) -> AnalyzerOutput:
        sources = {source.path: source for source in files}
        enabled = {rule.id for rule in self._rules.values() if self.context.selection.is_enabled(rule)}
        if not sources or not enabled or not self.config_paths:
            return AnalyzerOutput()
        if self._missing is not None:
            return _fatal(self._missing)
        executable = self.executable or find_semgrep()
        if executable is None:
            return _fatal("semgrep executable not found (looked next to the Python interpreter and on PATH)")

        command = [
            executable, "scan", "--json", "--quiet", "--metrics=off", "--disable-version-check",
            "--disable-nosem", "--no-git-ignore", "--no-rewrite-rule-ids", "--skip-unknown-extensions",
            "--max-target-bytes=0", f"--timeout={self.options.file_timeout_seconds:g}",
        ]  # fmt: skip
        if self.options.jobs:
            command.append(f"--jobs={self.options.jobs}")
        for path in self.config_paths:
            command += ["--config", str(path)]
        command.append("--")

        env = dict(os.environ, SEMGREP_ENABLE_VERSION_CHECK="0", SEMGREP_SEND_METRICS="off")
        for key in ("SEMGREP_RULES", "SEMGREP_APP_TOKEN"):
            env.pop(key, None)
        deadline = time.monotonic() + self.context.timeout_seconds
        issues: list[Issue] = []
        errors: list[AnalysisError] = []
        # semgrep aborts the whole run on a missing target or a symbolic link: a missing file is kept out, a
        # link (discovery only lets through links to files inside the root) is scanned as its target
        aliases: dict[str, list[str]] = {}
        for path in sorted(sources):
            real = _real_target(self.context.root, path)
            if real is None:
                errors.append(AnalysisError(analyzer=NAME, path=path, message="file not found"))
            else:
                aliases.setdefault(real, []).append(path)
        targets = [target_argument(real) for real in sorted(aliases)]
        if not targets:
            return AnalyzerOutput(errors=tuple(errors))
        for chunk in chunk_arguments(command, targets, self.argv_limit):
            try:
                report = self._run(command + chunk, env, deadline)
            except ScannerFailure as exc:
                errors.append(AnalysisError(analyzer=NAME, message=str(exc), fatal=True))
                break
            for result in _for_each_alias(report["results"], aliases):
                issue = self._to_issue(result, sources)
                if issue is not None and issue.rule in enabled:
                    issues.append(issue)
            errors.extend(_to_errors({"errors": _for_each_alias(report.get("errors") or (), aliases)}))
            if any(e.fatal for e in errors):
                break
        return AnalyzerOutput(
            issues=tuple(sorted(set(issues), key=Issue.sort_key)),
            errors=tuple(sorted(set(errors), key=AnalysisError.sort_key)),
        )

    def _run(self, argv: list[str], env: dict[str, str], deadline: float) -> dict[str, Any]:
        timed_out = f"semgrep timed out after {self.context.timeout_seconds:g} s"
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ScannerTimeout(timed_out)
        try:
            done = run_scanner(argv, cwd=self.context.root, timeout=remaining, env=env, name="semgrep")
        except ScannerTimeout:
            raise ScannerTimeout(timed_out) from None
        try:
            report = json.loads(done.stdout)
        except ValueError:
            detail = last_line(done.stderr) or last_line(done.stdout) or "no output"
            raise ScannerFailure(f"semgrep failed (exit code {done.returncode}): {detail}") from None
        if not isinstance(report, dict) or not isinstance(report.get("results"), list):
            raise ScannerFailure(f"semgrep printed JSON without a results list (exit code {done.returncode})")
        if done.returncode not in (0, 1) and not report.get("errors"):
            detail = last_line(done.stderr) or "no error reported"
            raise ScannerFailure(f"semgrep failed (exit code {done.returncode}): {detail}")
        return report

    def _to_issue(self, result: Mapping[str, Any], sources: Mapping[str, SourceFile]) -> Optional[Issue]:
        check_id = result.get("check_id")
        reported_path = result.get("path")
        if not isinstance(check_id, str) or not isinstance(reported_path, str):
            return None
        rule = self._rule_for(check_id, result.get("extra") or {})
        path = tool_path(reported_path)
        source = sources.get(path)
        start = result.get("start") or {}
        end = result.get("end") or {}
        line = max(_int(start.get("line"), 1), 1)
        end_line = max(_int(end.get("line"), line), line)
        column = _char_column(source, line, _int(start.get("col"), 1))
        end_column = _char_column(source, end_line, _int(end.get("col"), column + 1))
        if end_line == line and end_column <= column:
            end_column = column + 1
        extra = result.get("extra") or {}
        message = " ".join(str(extra.get("message") or rule.description).split())
        return Issue(
            rule=rule.id,
            tool=NAME,
            type=rule.type,
            severity=rule.severity,
            message=message,
            path=path,
            line=line,
            end_line=end_line,
            column=column,
            end_column=end_column,
            effort_minutes=rule.effort_minutes,
            cwe=rule.cwe,
            tags=rule.tags,
        )

    def _rule_for(self, check_id: str, extra: Mapping[str, Any]) -> RuleInfo:
        rule = self._rules.get(check_id)
        if rule is not None:
            return rule
        # semgrep prefixes ids with the config path unless --no-rewrite-rule-ids: map back by suffix
        candidates = [rid for rid in self._rules if check_id.endswith("." + rid)]
        if candidates:
            return self._rules[max(candidates, key=len)]
        try:
            return _rule_info({"id": check_id, **extra}, check_id)
        except ConfigError:  # odd metadata on a rule we did not load: keep the finding anyway
            return _rule_info({"id": check_id, "severity": extra.get("severity")}, check_id)


def _real_target(root: Path, path: str) -> Optional[str]:
    """The repo-relative path semgrep must be given for ``path``: itself, or the target of a symbolic link
    inside the root; None when there is no such file."""
    absolute = root / path
    if not absolute.is_file():
        return None
    if not absolute.is_symlink():
        return path
    try:
        return absolute.resolve().relative_to(root.resolve()).as_posix()
    except (OSError, RuntimeError, ValueError):
        return None


def _for_each_alias(entries: Iterable[Any], aliases: Mapping[str, list[str]]) -> list[Any]:
    """semgrep's results/errors, one copy per name a scanned file was selected under (a file and a link to it)."""
    out: list[Any] = []
    for entry in entries:
        reported = entry.get("path") if isinstance(entry, Mapping) else None
        names = aliases.get(tool_path(reported), []) if isinstance(reported, str) and reported else []
        if len(names) == 1 and names[0] == tool_path(reported):
            out.append(entry)
        elif names:
            out.extend({**entry, "path": name} for name in names)
        else:
            out.append(entry)
    return out


def find_semgrep() -> Optional[str]:
    """semgrep next to the running interpreter (same virtualenv) first, then on PATH."""
    bindir = Path(sys.executable).parent
    for name in ("semgrep.exe", "semgrep") if sys.platform == "win32" else ("semgrep",):
        candidate = bindir / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which("semgrep")


def _fatal(message: str) -> AnalyzerOutput:
    return AnalyzerOutput(errors=(AnalysisError(analyzer=NAME, message=message, fatal=True),))


# -- rule files ------------------------------------------------------------------------------------


def rule_files(config: Path) -> list[Path]:
    """The rule files semgrep loads for one ``--config`` path (a file, or a directory's YAML files)."""
    if config.is_file():
        return [config]
    found = []
    for path in sorted(config.rglob("*")):
        relative = path.relative_to(config).parts
        if path.suffix in RULE_FILE_SUFFIXES and path.is_file() and not any(p.startswith(".") for p in relative):
            found.append(path)
    return found


def _load_rules(configs: Iterable[Path], where: str) -> dict[str, RuleInfo]:
    rules: dict[str, RuleInfo] = {}
    for config in configs:
        for path in rule_files(config):
            try:
                document = yaml.safe_load(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
                first = " ".join(str(exc).split())[:200]
                raise ConfigError(f"{where}: cannot read semgrep rules from {path}: {first}") from None
            entries = document.get("rules") if isinstance(document, dict) else None
            if not isinstance(entries, list):
                raise ConfigError(f"{where}: {path} is not a semgrep rule file (no top-level 'rules' list)")
            for entry in entries:
                if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                    raise ConfigError(f"{where}: {path}: every rule needs a string 'id'")
                rules.setdefault(entry["id"], _rule_info(entry, str(path)))
    return rules


def _rule_info(entry: Mapping[str, Any], origin: str) -> RuleInfo:
    """RuleInfo of one semgrep rule (a YAML rule entry, or a result's ``extra`` for an unknown rule)."""
    rule_id = str(entry["id"])
    metadata = entry.get("metadata") if isinstance(entry.get("metadata"), Mapping) else {}
    qgate_meta = metadata.get("qgate") if isinstance(metadata.get("qgate"), Mapping) else {}
    where = f"{origin}: rule {rule_id}: metadata.qgate"

    severity = _enum(Severity, qgate_meta.get("severity"), f"{where}.severity")
    if severity is None:
        severity = SEVERITY_MAP.get(str(entry.get("severity") or "").upper(), Severity.INFO)
    issue_type = _enum(IssueType, qgate_meta.get("type"), f"{where}.type") or _derive_type(metadata)
    effort = qgate_meta.get("effort_minutes")
    if effort is None:
        effort = EFFORT_MINUTES[severity]
    elif not isinstance(effort, int) or isinstance(effort, bool) or effort < 0:
        raise ConfigError(f"{where}.effort_minutes: expected a non-negative integer, got {effort!r}")

    message = " ".join(str(entry.get("message") or "").split())
    described = metadata.get("description") or metadata.get("shortDescription")
    description = _first_sentence(str(described)) if described else _first_sentence(message)
    references = metadata.get("references")
    docs = message
    if isinstance(references, list) and references:
        docs += "\n\nReferences:\n" + "\n".join(f"- {ref}" for ref in references)
    tags = [str(metadata["category"]).lower()] if metadata.get("category") else []
    extra_tags = qgate_meta.get("tags")
    if isinstance(extra_tags, list):
        tags += [str(t) for t in extra_tags if str(t) not in tags]
    return RuleInfo(
        id=rule_id,
        name=str(qgate_meta.get("name") or _kebab(rule_id)),
        analyzer=NAME,
        type=issue_type,
        severity=severity,
        effort_minutes=effort,
        description=description or rule_id,
        docs=docs,
        cwe=parse_cwe(metadata.get("cwe")),
        tags=tuple(tags),
    )


def _derive_type(metadata: Mapping[str, Any]) -> IssueType:
    category = str(metadata.get("category") or "").lower()
    if category == "security":
        subcategory = metadata.get("subcategory")
        subcategories = subcategory if isinstance(subcategory, list) else [subcategory]
        audit = any("audit" in str(s).lower() for s in subcategories if s)
        if audit or str(metadata.get("confidence") or "").upper() == "LOW":
            return IssueType.SECURITY_HOTSPOT
        return IssueType.VULNERABILITY
    if category == "correctness":
        return IssueType.BUG
    return IssueType.CODE_SMELL


def parse_cwe(value: Any) -> tuple[int, ...]:
    """``"CWE-78: ..."`` or a list of such strings (or bare ints) -> sorted unique CWE numbers."""
    values = value if isinstance(value, (list, tuple)) else [value]
    found: set[int] = set()
    for item in values:
        if isinstance(item, int) and not isinstance(item, bool):
            found.add(item)
        elif isinstance(item, str):
            found.update(int(m) for m in _CWE.findall(item))
    return tuple(sorted(n for n in found if n > 0))


def _enum(enum: Any, value: Any, where: str) -> Any:
    if value is None:
        return None
    try:
        return enum(str(value).lower())
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise ConfigError(f"{where}: {value!r} is not one of {allowed}") from None


# -- semgrep errors --------------------------------------------------------------------------------


def _to_errors(report: Mapping[str, Any]) -> list[AnalysisError]:
    errors: list[AnalysisError] = []
    fatal: list[str] = []
    for error in report.get("errors") or ():
        if not isinstance(error, Mapping):
            continue
        message = _error_message(error)
        path = error.get("path")
        if isinstance(path, str) and path:
            errors.append(
                AnalysisError(analyzer=NAME, path=tool_path(path), line=_error_line(error), message=message)
            )
        elif str(error.get("level") or "error").lower() == "error":
            if message not in fatal:
                fatal.append(message)
        else:
            errors.append(AnalysisError(analyzer=NAME, message=message))
    if fatal:
        shown = "; ".join(fatal[:3]) + (f" (+{len(fatal) - 3} more)" if len(fatal) > 3 else "")
        errors.append(AnalysisError(analyzer=NAME, message=f"semgrep could not run the rules: {shown}", fatal=True))
    return errors


def _error_message(error: Mapping[str, Any]) -> str:
    kind = error.get("type")
    kind = kind[0] if isinstance(kind, list) and kind else kind
    text = error.get("message") or error.get("long_msg") or error.get("short_msg") or str(kind or "error")
    text = " ".join(str(text).split())
    if not error.get("path"):
        spans = error.get("spans")
        if isinstance(spans, list) and spans and isinstance(spans[0], Mapping) and spans[0].get("file"):
            text += f" ({spans[0]['file']}:{_int((spans[0].get('start') or {}).get('line'), 0)})"
    if kind and str(kind) not in text:
        text = f"{kind}: {text}"
    return text if len(text) <= 400 else text[:397] + "..."


def _error_line(error: Mapping[str, Any]) -> Optional[int]:
    spans = error.get("spans")
    if isinstance(spans, list) and spans and isinstance(spans[0], Mapping):
        line = _int((spans[0].get("start") or {}).get("line"), 0)
        return line if line >= 1 else None
    return None


# -- helpers -----------------------------------------------------------------------------------------


def _char_column(source: Optional[SourceFile], line: int, byte_column: int) -> int:
    """semgrep's 1-based byte column -> qgate's 1-based character column."""
    if source is None:
        return max(byte_column, 1)
    return byte_to_char_column(source.line(line), max(byte_column - 1, 0), source.encoding) + 1


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _first_sentence(text: str) -> str:
    text = " ".join(text.strip().splitlines()[0].split()) if text.strip() else ""
    head = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    return head.rstrip(".")


def _kebab(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or name
