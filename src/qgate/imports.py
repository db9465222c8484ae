"""Import findings of other tools: any SARIF 2.1.0 producer (ruff, semgrep, CodeQL, ...) and SonarQube's
generic issue import format.

Entry points: :func:`load_import` (reads a file) and :func:`parse_import` (bytes already read). Both return an
:class:`ImportResult`: issues (``fingerprint``, ``line_hash`` and ``new`` left at their defaults for the pipeline to
fill), the rules behind them, and one :class:`~qgate.model.AnalysisError` (``analyzer="import:<kind>"``, not fatal) per
result that could not become an issue. A file that is missing, unreadable, not JSON, truncated, structurally invalid
(the error names the JSON path, e.g. ``runs[0].results[3].locations[0].physicalLocation.region.startLine``) or not
SARIF 2.1.0 raises :class:`~qgate.errors.InputError` with a one-line message instead.

SARIF (``kind="sarif"``)
    * Every run and every result. ``tool`` is the run's ``tool.driver.name`` lowercased, blanks turned into ``-``
      (``"Semgrep OSS"`` -> ``semgrep-oss``).
    * Rule: ``ruleId``, else ``rule.id``, else the id of the descriptor at ``ruleIndex`` / ``rule.index`` (in
      ``tool.driver.rules``, or in ``tool.extensions[rule.toolComponent.index].rules``). A result with no rule id is
      rejected (error entry).
    * Results whose ``kind`` is ``pass``, ``notApplicable`` or ``informational`` are not problems: skipped silently.
    * Message: ``message.text`` (or ``markdown``), else the descriptor's (or driver's global) ``messageStrings``
      entry named by ``message.id``; ``{0}``-style placeholders are filled from ``message.arguments``; else the
      rule's ``shortDescription``; else the rule id.
    * Location: the first location's ``physicalLocation.artifactLocation`` (``uri``, or ``run.artifacts[index]``).
      A result without a file location is **rejected** with an error entry: every qgate issue is on a file.
      Region: ``startLine``/``startColumn``/``endLine``/``endColumn`` (1-based, ``endColumn`` exclusive, as in
      qgate); missing values default to line 1, column 1 and end = start.
    * Suppressed: a non-empty ``suppressions`` array whose entries all have status ``accepted`` or no status ->
      imported with ``suppression="external"`` (``underReview``/``rejected`` leave the issue active).
    * Type: ``vulnerability`` when the rule or result carries a ``security-severity`` property (GitHub's
      convention) or a ``security`` tag; else ``bug`` for a ``correctness``/``reliability``/``bug`` tag; else
      ``code_smell``. (SonarQube's Standard Experience makes *every* SARIF issue a vulnerability; that would turn
      every ruff lint into a security finding, so qgate only does it on a security signal.)
    * Severity of a vulnerability with a numeric ``security-severity`` (GitHub's CVSS-like bands):

      ================  ========
      security-severity qgate
      ================  ========
      >= 9.0            blocker
      >= 7.0            critical
      >= 4.0            major
      > 0.0             minor
      0.0               info
      ================  ========

      Otherwise from the SARIF level, as SonarQube's Standard Experience maps it. The level is the result's
      ``level``, else (``kind`` absent or ``fail``) the rule's ``defaultConfiguration.level``, else ``warning``
      (SARIF's default; a result of another ``kind`` defaults to ``none``):

      =======  ========
      level    qgate
      =======  ========
      error    critical
      warning  major
      note     minor
      none     minor
      =======  ========

    * CWE: from tags such as ``external/cwe/cwe-78``, ``CWE-78`` or ``CWE-78: OS Command Injection`` and from a
      ``cwe`` property (string or list of strings).
    * Rules: every ``tool.driver.rules`` and ``tool.extensions[].rules`` descriptor (first declaration of an id
      wins): name from ``name`` (else ruff's ``properties.name``, else the id), description from
      ``shortDescription`` (else the first line of ``fullDescription``/``help``), docs from
      ``fullDescription``/``help`` markdown or text plus ``helpUri``, type/severity/CWE/tags as above with the
      rule's default level. A result whose rule is not declared gets a rule
      synthesised from its first issue. Imported rules are always ``default_enabled`` (rules are managed in the
      external tool, as SonarQube says of external issues).

Generic (``kind="generic"``): SonarQube's generic issue import format, both variants.
    * Current (SonarQube 10.3+): ``{"rules": [{"id", "name", "description", "engineId", "cleanCodeAttribute",
      "impacts": [{"softwareQuality", "severity"}], optional "type"/"severity"}], "issues": [{"ruleId",
      "effortMinutes", "primaryLocation": {...}, "secondaryLocations"}]}``.
    * Older (deprecated): no ``rules``; each issue has ``engineId``, ``ruleId``, ``type``, ``severity``.
    * Type/severity of an issue: its own ``type``/``severity``, else the rule's, else from the rule's most severe
      impact (ties: SECURITY > RELIABILITY > MAINTAINABILITY), else ``code_smell``/``major`` (SonarQube's default):

      ==================  ============  ========  ========
      softwareQuality     qgate type    impact    qgate
      ==================  ============  ========  ========
      SECURITY            vulnerability BLOCKER   blocker
      RELIABILITY         bug           HIGH      critical
      MAINTAINABILITY     code_smell    MEDIUM    major
      ..                  ..            LOW       minor
      ..                  ..            INFO      info
      ==================  ============  ========  ========

    * ``textRange``: lines are 1-based, columns 0-based in SonarQube: qgate's column is ``startColumn + 1`` and its
      exclusive ``end_column`` is ``endColumn + 1``. ``tool`` is the rule's (else the issue's) ``engineId``
      lowercased, else ``generic``. Enum values are accepted in any case.

Effort: ``effortMinutes`` of a generic issue (default 0); SARIF issues get 0, SonarQube's default for external issues
(imported findings add no technical debt unless the report says so).

Paths (SARIF URIs and generic ``filePath``): relative references are taken relative to the repository root after
``uriBaseId`` resolution through ``run.originalUriBaseIds`` (chains followed; an id the run does not define, e.g.
``%SRCROOT%``, stands for the root). SARIF URIs are percent-decoded (generic file paths are plain paths, not
decoded); backslashes become slashes. Absolute paths and ``file://`` URIs (host empty or ``localhost``) inside the
root become repository-relative POSIX paths. Rejected, each with an error entry naming the path and never an issue:
paths outside the root (absolute elsewhere, ``..`` escapes, Windows drives such as ``file:///C:/...``, symlinks
pointing out), remote hosts, other URI schemes, and paths that are not an existing regular file.
"""

from __future__ import annotations

import json
import math
import os
import posixpath
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, Optional, Union
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from qgate.errors import InputError
from qgate.model import AnalysisError, Frozen, Issue, IssueType, RuleInfo, Severity

ImportKind = Literal["sarif", "generic"]
IMPORT_KINDS: tuple[str, ...] = ("sarif", "generic")
SARIF_VERSION = "2.1.0"
EXTERNAL_EFFORT_MINUTES = 0
"""Effort of an imported issue whose report gives none (SonarQube's default for external issues)."""

SUPPRESSION = "external"

LEVEL_SEVERITY: dict[str, Severity] = {
    "error": Severity.CRITICAL,
    "warning": Severity.MAJOR,
    "note": Severity.MINOR,
    "none": Severity.MINOR,
}
"""SARIF level -> qgate severity (SonarQube's Standard Experience mapping)."""

SECURITY_SEVERITY_BANDS: tuple[tuple[float, Severity], ...] = (
    (9.0, Severity.BLOCKER),
    (7.0, Severity.CRITICAL),
    (4.0, Severity.MAJOR),
)

QUALITY_TYPE: dict[str, IssueType] = {
    "SECURITY": IssueType.VULNERABILITY,
    "RELIABILITY": IssueType.BUG,
    "MAINTAINABILITY": IssueType.CODE_SMELL,
}
IMPACT_SEVERITY: dict[str, Severity] = {
    "BLOCKER": Severity.BLOCKER,
    "HIGH": Severity.CRITICAL,
    "MEDIUM": Severity.MAJOR,
    "LOW": Severity.MINOR,
    "INFO": Severity.INFO,
}

_MAX_INT = 2**31 - 1
_MAX_BASE_DEPTH = 16
_NOT_PROBLEMS = frozenset({"pass", "notApplicable", "informational"})
_BUG_TAGS = frozenset({"correctness", "reliability", "bug"})
_CWE_RE = re.compile(r"\bcwe[-_:/ ]?0*(\d{1,7})\b", re.IGNORECASE)
_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_DRIVE_RE = re.compile(r"^/?([A-Za-z]):(/|$)")
_PLACEHOLDER_RE = re.compile(r"\{(\d+)\}")


class ImportResult(Frozen):
    issues: tuple[Issue, ...] = ()
    rules: tuple[RuleInfo, ...] = ()
    errors: tuple[AnalysisError, ...] = ()


# ------------------------------------------------------------------------------------------ entry points


def load_import(kind: str, path: Path, *, root: Path) -> ImportResult:
    """Read ``path`` and import it as ``kind`` ("sarif" or "generic"). InputError for anything unusable."""
    _check_kind(kind)
    label = str(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"{label}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{label}: is a directory, not a report file") from None
    except OSError as err:
        raise InputError(f"{label}: cannot read ({err.strerror or err})") from None
    return parse_import(kind, data, root=root, label=label)  # type: ignore[arg-type]


def parse_import(kind: ImportKind, data: bytes, *, root: Path, label: str) -> ImportResult:
    """Import a report's bytes. Pure apart from resolving paths against ``root`` (realpath, is-file)."""
    _check_kind(kind)
    doc = _load_json(data, label)
    mapper = _PathMapper(root)
    if kind == "sarif":
        return _import_sarif(doc, mapper, label)
    return _import_generic(doc, mapper, label)


def _check_kind(kind: str) -> None:
    if kind not in IMPORT_KINDS:
        raise InputError(f"unknown import kind {kind!r} (expected one of: {', '.join(IMPORT_KINDS)})")


def _load_json(data: bytes, label: str) -> Any:
    if not data.strip():
        raise InputError(f"{label}: empty file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(f"{label}: not UTF-8 text (byte {err.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(
            f"{label}: malformed or truncated JSON (line {err.lineno} column {err.colno}: {err.msg})"
        ) from None
    except RecursionError:
        raise InputError(f"{label}: JSON nested too deeply") from None
    except ValueError as err:  # e.g. an integer literal beyond Python's digit limit
        raise InputError(f"{label}: unreadable JSON ({_one_line(str(err))})") from None


def _validate(model: type[BaseModel], doc: Any, label: str, what: str) -> Any:
    try:
        return model.model_validate(doc)
    except ValidationError as err:
        first = err.errors()[0]
        where = _json_path(first["loc"]) or "(top level)"
        more = f" (and {err.error_count() - 1} more)" if err.error_count() > 1 else ""
        raise InputError(f"{label}: invalid {what} at {where}: {_one_line(first['msg'])}{more}") from None
    except RecursionError:
        raise InputError(f"{label}: JSON nested too deeply") from None


def _json_path(loc: Sequence[Union[int, str]]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ------------------------------------------------------------------------------------------ paths


class _PathMapper:
    """Maps report paths to repository-relative POSIX paths, or says why it cannot."""

    def __init__(self, root: Path) -> None:
        self.root_abs = os.path.normpath(os.path.abspath(root))
        self.root_real = os.path.realpath(root)
        self._cache: dict[str, tuple[Optional[str], Optional[str]]] = {}

    def map_absolute(self, path: str) -> tuple[Optional[str], Optional[str]]:
        """``(relative path, None)`` or ``(relative path or None, reason)`` for an absolute POSIX/Windows path."""
        cached = self._cache.get(path)
        if cached is None:
            cached = self._cache[path] = self._map(path)
        return cached

    def _map(self, path: str) -> tuple[Optional[str], Optional[str]]:
        if "\x00" in path:
            return None, "contains a NUL character"
        if _DRIVE_RE.match(path) or not path.startswith("/"):
            return None, "is outside the repository"
        norm = posixpath.normpath(path)
        if norm.startswith("//"):
            norm = "/" + norm.lstrip("/")
        rel = None
        for base in (self.root_abs, self.root_real):
            rel = _relative_to(norm, base)
            if rel is not None:
                break
        if rel is None:
            return None, "is outside the repository"
        if rel == "":
            return None, "is the repository root, not a file"
        try:
            real = os.path.realpath(os.path.join(self.root_real, rel))
            is_file = os.path.isfile(real)
        except (OSError, ValueError) as err:
            return None, f"cannot be resolved ({err})"
        if _relative_to(real, self.root_real) is None:
            return None, "resolves (through a symlink) outside the repository"
        if not is_file:
            return rel, "is not a file in the repository"
        return rel, None

    def join(self, base: str, relative: str) -> str:
        return posixpath.join(base if base else self.root_abs, relative)


def _relative_to(path: str, base: str) -> Optional[str]:
    if path == base:
        return ""
    prefix = base if base.endswith("/") else base + "/"
    if path.startswith(prefix):
        return path[len(prefix) :]
    return None


def _uri_to_path(uri: str) -> tuple[Optional[str], Optional[str], bool]:
    """A SARIF URI reference -> ``(decoded path, reason it is unusable, is absolute)``."""
    scheme = _SCHEME_RE.match(uri)
    if scheme and len(scheme.group(1)) > 1:
        if scheme.group(1).lower() != "file":
            return None, f"has an unsupported URI scheme {scheme.group(1)!r}", False
        parts = urlsplit(uri)
        if parts.netloc not in ("", "localhost"):
            return None, f"is on another host ({parts.netloc})", False
        path = unquote(parts.path).replace("\\", "/")
        return path, None, True
    path = unquote(uri).replace("\\", "/")
    return path, None, path.startswith("/") or bool(_DRIVE_RE.match(path))


# ------------------------------------------------------------------------------------------ shared helpers


def _tool_name(name: str) -> str:
    return "-".join(name.lower().split()) or "sarif"


def _cwe_ids(values: Iterable[str]) -> tuple[int, ...]:
    found: set[int] = set()
    for value in values:
        for match in _CWE_RE.finditer(value):
            found.add(int(match.group(1)))
    return tuple(sorted(found))


def _first_line(text: Optional[str]) -> str:
    for line in (text or "").splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line
    return ""


def _span(
    line: Optional[int], column: Optional[int], end_line: Optional[int], end_column: Optional[int]
) -> tuple[int, int, int, int]:
    """(line, column, end_line, end_column) with defaults line 1, column 1, end = start, and end never before start."""
    start_line = line or 1
    start_col = column or 1
    stop_line = max(end_line or start_line, start_line)
    stop_col = end_column if end_column is not None else (start_col if stop_line == start_line else 1)
    if stop_line == start_line:
        stop_col = max(stop_col, start_col)
    return start_line, start_col, stop_line, max(stop_col, 1)


# ------------------------------------------------------------------------------------------ SARIF models


class _Lax(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


_Int = Annotated[int, Field(ge=1, le=_MAX_INT)]
_Index = Annotated[int, Field(ge=-1, le=_MAX_INT)]
_Level = Literal["none", "note", "warning", "error"]


class _Text(_Lax):
    text: Optional[str] = None
    markdown: Optional[str] = None


class _PropertyBag(_Lax):
    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)
    tags: list[str] = Field(default_factory=list)
    security_severity: Optional[Union[float, str]] = Field(default=None, alias="security-severity")
    cwe: Optional[Union[str, list[str]]] = None
    name: Optional[str] = None


class _Configuration(_Lax):
    level: Optional[_Level] = None


class _Descriptor(_Lax):
    id: str
    name: Optional[str] = None
    short_description: Optional[_Text] = Field(default=None, alias="shortDescription")
    full_description: Optional[_Text] = Field(default=None, alias="fullDescription")
    help: Optional[_Text] = None
    help_uri: Optional[str] = Field(default=None, alias="helpUri")
    default_configuration: Optional[_Configuration] = Field(default=None, alias="defaultConfiguration")
    message_strings: dict[str, _Text] = Field(default_factory=dict, alias="messageStrings")
    properties: Optional[_PropertyBag] = None


class _ToolComponent(_Lax):
    name: str
    rules: list[_Descriptor] = Field(default_factory=list)
    global_message_strings: dict[str, _Text] = Field(default_factory=dict, alias="globalMessageStrings")


class _Tool(_Lax):
    driver: _ToolComponent
    extensions: list[_ToolComponent] = Field(default_factory=list)


class _ArtifactLocation(_Lax):
    uri: Optional[str] = None
    uri_base_id: Optional[str] = Field(default=None, alias="uriBaseId")
    index: Optional[_Index] = None


class _Artifact(_Lax):
    location: Optional[_ArtifactLocation] = None


class _Region(_Lax):
    start_line: Optional[_Int] = Field(default=None, alias="startLine")
    start_column: Optional[_Int] = Field(default=None, alias="startColumn")
    end_line: Optional[_Int] = Field(default=None, alias="endLine")
    end_column: Optional[_Int] = Field(default=None, alias="endColumn")


class _PhysicalLocation(_Lax):
    artifact_location: Optional[_ArtifactLocation] = Field(default=None, alias="artifactLocation")
    region: Optional[_Region] = None


class _Location(_Lax):
    physical_location: Optional[_PhysicalLocation] = Field(default=None, alias="physicalLocation")


class _Message(_Lax):
    text: Optional[str] = None
    markdown: Optional[str] = None
    id: Optional[str] = None
    arguments: list[str] = Field(default_factory=list)


class _ComponentRef(_Lax):
    index: Optional[_Index] = None
    name: Optional[str] = None


class _RuleRef(_Lax):
    id: Optional[str] = None
    index: Optional[_Index] = None
    tool_component: Optional[_ComponentRef] = Field(default=None, alias="toolComponent")


class _Suppression(_Lax):
    status: Optional[str] = None


class _Result(_Lax):
    rule_id: Optional[str] = Field(default=None, alias="ruleId")
    rule_index: Optional[_Index] = Field(default=None, alias="ruleIndex")
    rule: Optional[_RuleRef] = None
    kind: Optional[str] = None
    level: Optional[_Level] = None
    message: _Message = Field(default_factory=_Message)
    locations: Optional[list[_Location]] = None
    suppressions: Optional[list[_Suppression]] = None
    properties: Optional[_PropertyBag] = None


class _Run(_Lax):
    tool: _Tool
    results: Optional[list[_Result]] = None
    artifacts: Optional[list[_Artifact]] = None
    original_uri_base_ids: dict[str, _ArtifactLocation] = Field(default_factory=dict, alias="originalUriBaseIds")


class _SarifLog(_Lax):
    version: str
    runs: list[_Run]


# ------------------------------------------------------------------------------------------ SARIF import


def _import_sarif(doc: Any, mapper: _PathMapper, label: str) -> ImportResult:
    if not isinstance(doc, dict):
        raise InputError(f"{label}: not a SARIF log (top-level JSON is {type(doc).__name__}, not an object)")
    if "version" not in doc:
        hint = " (looks like a generic issue report: use generic=PATH)" if "issues" in doc else ""
        raise InputError(f"{label}: not a SARIF log (no 'version'){hint}")
    version = doc.get("version")
    if version != SARIF_VERSION:
        raise InputError(f"{label}: SARIF version {version!r} is not supported (only {SARIF_VERSION})")
    log: _SarifLog = _validate(_SarifLog, doc, label, "SARIF")
    builder = _Builder("import:sarif", label)
    for run_no, run in enumerate(log.runs):
        _SarifRun(run, run_no, mapper, builder).import_results()
    return builder.build()


class _SarifRun:
    def __init__(self, run: _Run, run_no: int, mapper: _PathMapper, builder: _Builder) -> None:
        self.run = run
        self.run_no = run_no
        self.mapper = mapper
        self.builder = builder
        self.tool = _tool_name(run.tool.driver.name)
        for component in (run.tool.driver, *run.tool.extensions):
            for descriptor in component.rules:
                builder.add_rule(_sarif_rule(descriptor, self.tool))
        self._by_id: dict[str, _Descriptor] = {}
        for descriptor in run.tool.driver.rules:
            self._by_id.setdefault(descriptor.id, descriptor)

    def import_results(self) -> None:
        for index, result in enumerate(self.run.results or ()):
            where = f"runs[{self.run_no}].results[{index}]"
            if result.kind in _NOT_PROBLEMS:
                continue
            self._import(result, where)

    def _import(self, result: _Result, where: str) -> None:
        descriptor, component = self._descriptor(result)
        rule_id = result.rule_id or (result.rule.id if result.rule else None) or (descriptor.id if descriptor else None)
        if not rule_id:
            self.builder.error(f"{where}: result has no rule id")
            return
        if descriptor is None:
            descriptor = self._by_id.get(rule_id) or self._by_id.get(rule_id.split("/")[0])
        location = self._artifact_location(result)
        if location is None or not location.uri:
            self.builder.error(f"{where} ({rule_id}): result has no file location")
            return
        path, reason = self._resolve(location)
        if reason is not None:
            self.builder.error(f"{where} ({rule_id}): path {location.uri!r} {reason}", path=path)
            return
        assert path is not None
        region = self._region(result) or _Region()
        line, column, end_line, end_column = _span(
            region.start_line, region.start_column, region.end_line, region.end_column
        )
        issue_type, severity, cwe, tags = _classify_sarif(descriptor, result)
        self.builder.add_issue(
            Issue(
                rule=rule_id,
                tool=self.tool,
                type=issue_type,
                severity=severity,
                message=self._message(result, descriptor, component, rule_id),
                path=path,
                line=line,
                end_line=end_line,
                column=column,
                end_column=end_column,
                effort_minutes=EXTERNAL_EFFORT_MINUTES,
                cwe=cwe,
                tags=tags,
                suppression=SUPPRESSION if _is_suppressed(result) else None,
            )
        )

    def _descriptor(self, result: _Result) -> tuple[Optional[_Descriptor], _ToolComponent]:
        component = self.run.tool.driver
        ref = result.rule
        if ref is not None and ref.tool_component is not None:
            extensions = self.run.tool.extensions
            found = None
            if ref.tool_component.index is not None and 0 <= ref.tool_component.index < len(extensions):
                found = extensions[ref.tool_component.index]
            elif ref.tool_component.name is not None:
                found = next((ext for ext in extensions if ext.name == ref.tool_component.name), None)
            if found is not None:
                component = found
        index = result.rule_index if result.rule_index is not None else (ref.index if ref else None)
        if index is not None and 0 <= index < len(component.rules):
            return component.rules[index], component
        rule_id = result.rule_id or (ref.id if ref else None)
        if rule_id and component is not self.run.tool.driver:
            for descriptor in component.rules:
                if descriptor.id == rule_id:
                    return descriptor, component
        return None, component

    def _artifact_location(self, result: _Result) -> Optional[_ArtifactLocation]:
        for location in result.locations or ():
            physical = location.physical_location
            if physical is None or physical.artifact_location is None:
                continue
            artifact = physical.artifact_location
            if not artifact.uri and artifact.index is not None:
                artifacts = self.run.artifacts or []
                if 0 <= artifact.index < len(artifacts) and artifacts[artifact.index].location is not None:
                    return artifacts[artifact.index].location
            return artifact
        return None

    def _region(self, result: _Result) -> Optional[_Region]:
        for location in result.locations or ():
            physical = location.physical_location
            if physical is not None and physical.artifact_location is not None:
                return physical.region
        return None

    def _resolve(self, location: _ArtifactLocation) -> tuple[Optional[str], Optional[str]]:
        assert location.uri is not None
        path, reason, absolute = _uri_to_path(location.uri)
        if reason is not None or path is None:
            return None, reason
        if not absolute:
            base, reason = self._base(location.uri_base_id, 0)
            if reason is not None:
                return None, reason
            path = self.mapper.join(base, path)
        return self.mapper.map_absolute(path)

    def _base(self, base_id: Optional[str], depth: int) -> tuple[str, Optional[str]]:
        """The absolute directory a ``uriBaseId`` stands for ("" = the repository root)."""
        if base_id is None:
            return "", None
        if depth > _MAX_BASE_DEPTH:
            return "", f"has a uriBaseId chain that is too long or cyclic ({base_id})"
        entry = self.run.original_uri_base_ids.get(base_id)
        if entry is None or not entry.uri:
            return "", None
        path, reason, absolute = _uri_to_path(entry.uri)
        if reason is not None or path is None:
            return "", f"has uriBaseId {base_id!r} that {reason}"
        if absolute:
            return path, None
        parent, reason = self._base(entry.uri_base_id, depth + 1)
        if reason is not None:
            return "", reason
        return self.mapper.join(parent, path), None

    def _message(
        self, result: _Result, descriptor: Optional[_Descriptor], component: _ToolComponent, rule_id: str
    ) -> str:
        message = result.message
        text = message.text or message.markdown
        if not text and message.id:
            template = None
            if descriptor is not None:
                template = descriptor.message_strings.get(message.id)
            if template is None:
                template = component.global_message_strings.get(message.id)
            if template is not None:
                text = template.text or template.markdown
        if text and message.arguments:
            args = message.arguments
            text = _PLACEHOLDER_RE.sub(
                lambda m: args[int(m.group(1))] if int(m.group(1)) < len(args) else m.group(0), text
            )
        if not text and descriptor is not None:
            text = _describe(descriptor)
        return (text or rule_id).strip() or rule_id


def _describe(descriptor: _Descriptor) -> str:
    for source in (descriptor.short_description, descriptor.full_description, descriptor.help):
        if source is not None:
            line = _first_line(source.text or source.markdown)
            if line:
                return line
    return ""


def _security_severity(*bags: Optional[_PropertyBag]) -> Optional[float]:
    for bag in bags:
        if bag is None or bag.security_severity is None:
            continue
        try:
            score = float(bag.security_severity)
        except ValueError:
            continue
        if math.isfinite(score) and score >= 0:
            return score
    return None


def _band(score: float) -> Severity:
    for floor, severity in SECURITY_SEVERITY_BANDS:
        if score >= floor:
            return severity
    return Severity.MINOR if score > 0 else Severity.INFO


def _bag_cwe(bag: Optional[_PropertyBag]) -> list[str]:
    if bag is None or bag.cwe is None:
        return []
    return [bag.cwe] if isinstance(bag.cwe, str) else list(bag.cwe)


def _classify(
    level: str, bags: Sequence[Optional[_PropertyBag]]
) -> tuple[IssueType, Severity, tuple[int, ...], tuple[str, ...]]:
    tags = sorted({tag for bag in bags if bag is not None for tag in bag.tags})
    lowered = {tag.lower() for tag in tags}
    score = _security_severity(*bags)
    cwe = _cwe_ids([*tags, *(value for bag in bags for value in _bag_cwe(bag))])
    if score is not None or "security" in lowered:
        issue_type = IssueType.VULNERABILITY
    elif lowered & _BUG_TAGS:
        issue_type = IssueType.BUG
    else:
        issue_type = IssueType.CODE_SMELL
    severity = _band(score) if score is not None else LEVEL_SEVERITY[level]
    return issue_type, severity, cwe, tuple(tags)


def _classify_sarif(
    descriptor: Optional[_Descriptor], result: _Result
) -> tuple[IssueType, Severity, tuple[int, ...], tuple[str, ...]]:
    level = result.level
    if level is None:
        if result.kind not in (None, "fail"):
            level = "none"
        elif descriptor is not None and descriptor.default_configuration is not None:
            level = descriptor.default_configuration.level
    return _classify(level or "warning", (result.properties, descriptor.properties if descriptor else None))


def _is_suppressed(result: _Result) -> bool:
    entries = result.suppressions or []
    return bool(entries) and all(entry.status in (None, "accepted") for entry in entries)


def _sarif_rule(descriptor: _Descriptor, tool: str) -> RuleInfo:
    level = descriptor.default_configuration.level if descriptor.default_configuration else None
    issue_type, severity, cwe, tags = _classify(level or "warning", (descriptor.properties,))
    name = descriptor.name or (descriptor.properties.name if descriptor.properties else None) or descriptor.id
    docs: list[str] = []
    for source in (descriptor.full_description, descriptor.help):
        if source is not None:
            body = (source.markdown or source.text or "").strip()
            if body and body not in docs:
                docs.append(body)
    if descriptor.help_uri:
        docs.append(f"<{descriptor.help_uri}>")
    return RuleInfo(
        id=descriptor.id,
        name=name,
        analyzer=tool,
        type=issue_type,
        severity=severity,
        effort_minutes=EXTERNAL_EFFORT_MINUTES,
        description=_describe(descriptor) or name,
        docs="\n\n".join(docs),
        cwe=cwe,
        tags=tags,
    )


# ------------------------------------------------------------------------------------------ generic format


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


_GType = Annotated[Literal["BUG", "VULNERABILITY", "CODE_SMELL"], BeforeValidator(_upper)]
_GSeverity = Annotated[Literal["BLOCKER", "CRITICAL", "MAJOR", "MINOR", "INFO"], BeforeValidator(_upper)]
_GQuality = Annotated[Literal["MAINTAINABILITY", "RELIABILITY", "SECURITY"], BeforeValidator(_upper)]
_GImpactSeverity = Annotated[Literal["BLOCKER", "HIGH", "MEDIUM", "LOW", "INFO"], BeforeValidator(_upper)]


class _GTextRange(_Lax):
    start_line: _Int = Field(alias="startLine")
    end_line: Optional[_Int] = Field(default=None, alias="endLine")
    start_column: Optional[Annotated[int, Field(ge=0, le=_MAX_INT)]] = Field(default=None, alias="startColumn")
    end_column: Optional[Annotated[int, Field(ge=0, le=_MAX_INT)]] = Field(default=None, alias="endColumn")


class _GLocation(_Lax):
    message: str = ""
    file_path: str = Field(alias="filePath", min_length=1)
    text_range: Optional[_GTextRange] = Field(default=None, alias="textRange")


class _GImpact(_Lax):
    software_quality: _GQuality = Field(alias="softwareQuality")
    severity: _GImpactSeverity


class _GRule(_Lax):
    id: str = Field(min_length=1)
    name: str = ""
    description: str = ""
    engine_id: str = Field(default="", alias="engineId")
    clean_code_attribute: Optional[str] = Field(default=None, alias="cleanCodeAttribute")
    type: Optional[_GType] = None
    severity: Optional[_GSeverity] = None
    impacts: list[_GImpact] = Field(default_factory=list)


class _GIssue(_Lax):
    engine_id: str = Field(default="", alias="engineId")
    rule_id: str = Field(alias="ruleId", min_length=1)
    primary_location: _GLocation = Field(alias="primaryLocation")
    type: Optional[_GType] = None
    severity: Optional[_GSeverity] = None
    effort_minutes: Optional[Annotated[int, Field(ge=0, le=_MAX_INT)]] = Field(default=None, alias="effortMinutes")


class _GReport(_Lax):
    rules: list[_GRule] = Field(default_factory=list)
    issues: list[_GIssue]


def _impact_verdict(impacts: Sequence[_GImpact]) -> Optional[tuple[IssueType, Severity]]:
    if not impacts:
        return None
    qualities = list(QUALITY_TYPE)
    best = min(impacts, key=lambda i: (IMPACT_SEVERITY[i.severity].rank, qualities.index(i.software_quality)))
    return QUALITY_TYPE[best.software_quality], IMPACT_SEVERITY[best.severity]


def _generic_verdict(issue: Optional[_GIssue], rule: Optional[_GRule]) -> tuple[IssueType, Severity]:
    from_impacts = _impact_verdict(rule.impacts) if rule is not None else None
    issue_type = (
        (issue.type if issue is not None else None)
        or (rule.type if rule is not None else None)
        or (from_impacts[0].name if from_impacts else None)
        or "CODE_SMELL"
    )
    severity = (
        (issue.severity if issue is not None else None)
        or (rule.severity if rule is not None else None)
        or (from_impacts[1].name if from_impacts else None)
        or "MAJOR"
    )
    return IssueType[issue_type], Severity[severity]


def _import_generic(doc: Any, mapper: _PathMapper, label: str) -> ImportResult:
    if not isinstance(doc, dict):
        raise InputError(f"{label}: not a generic issue report (top-level JSON is {type(doc).__name__}, not an object)")
    if "issues" not in doc and "runs" in doc:
        raise InputError(f"{label}: not a generic issue report (looks like SARIF: use sarif=PATH)")
    report: _GReport = _validate(_GReport, doc, label, "generic issue report")
    builder = _Builder("import:generic", label)
    rules: dict[str, _GRule] = {}
    for rule in report.rules:
        rules.setdefault(rule.id, rule)
        tool = _tool_name(rule.engine_id) if rule.engine_id.strip() else "generic"
        issue_type, severity = _generic_verdict(None, rule)
        builder.add_rule(
            RuleInfo(
                id=rule.id,
                name=rule.name or rule.id,
                analyzer=tool,
                type=issue_type,
                severity=severity,
                effort_minutes=EXTERNAL_EFFORT_MINUTES,
                description=_first_line(rule.description) or rule.name or rule.id,
                docs=rule.description.strip(),
                tags=(f"clean-code:{rule.clean_code_attribute.lower()}",) if rule.clean_code_attribute else (),
            )
        )
    for index, issue in enumerate(report.issues):
        where = f"issues[{index}] ({issue.rule_id})"
        declared = rules.get(issue.rule_id)
        location = issue.primary_location
        path, reason = _resolve_plain(location.file_path, mapper)
        if reason is not None:
            builder.error(f"{where}: path {location.file_path!r} {reason}", path=path)
            continue
        assert path is not None
        text_range = location.text_range
        if text_range is None:
            span = _span(None, None, None, None)
        else:
            span = _span(
                text_range.start_line,
                None if text_range.start_column is None else text_range.start_column + 1,
                text_range.end_line,
                None if text_range.end_column is None else text_range.end_column + 1,
            )
        engine = (
            declared.engine_id if declared is not None and declared.engine_id.strip() else issue.engine_id
        ).strip()
        issue_type, severity = _generic_verdict(issue, declared)
        message = location.message.strip() or (declared.name if declared else "") or issue.rule_id
        builder.add_issue(
            Issue(
                rule=issue.rule_id,
                tool=_tool_name(engine) if engine else "generic",
                type=issue_type,
                severity=severity,
                message=message,
                path=path,
                line=span[0],
                column=span[1],
                end_line=span[2],
                end_column=span[3],
                effort_minutes=issue.effort_minutes if issue.effort_minutes is not None else EXTERNAL_EFFORT_MINUTES,
            )
        )
    return builder.build()


def _resolve_plain(file_path: str, mapper: _PathMapper) -> tuple[Optional[str], Optional[str]]:
    """A generic report's ``filePath``: a plain path (``file://`` URIs tolerated), not percent-decoded."""
    if file_path.lower().startswith("file:"):
        path, reason, absolute = _uri_to_path(file_path)
        if reason is not None or path is None:
            return None, reason
    else:
        path = file_path.replace("\\", "/")
        absolute = path.startswith("/") or bool(_DRIVE_RE.match(path))
    if not absolute:
        path = mapper.join("", path)
    return mapper.map_absolute(path)


# ------------------------------------------------------------------------------------------ collecting


class _Builder:
    def __init__(self, analyzer: str, label: str) -> None:
        self.analyzer = analyzer
        self.label = label
        self.issues: list[Issue] = []
        self.rules: dict[str, RuleInfo] = {}
        self.errors: list[AnalysisError] = []

    def add_rule(self, rule: RuleInfo) -> None:
        self.rules.setdefault(rule.id, rule)

    def add_issue(self, issue: Issue) -> None:
        self.issues.append(issue)

    def error(self, message: str, *, path: Optional[str] = None) -> None:
        self.errors.append(
            AnalysisError(analyzer=self.analyzer, path=path, message=f"{self.label}: {_one_line(message, 500)}")
        )

    def build(self) -> ImportResult:
        issues = sorted(self.issues, key=Issue.sort_key)
        for issue in issues:  # a rule for every issue, even when the report does not declare it
            if issue.rule not in self.rules:
                self.rules[issue.rule] = _synthetic_rule(issue)
        return ImportResult(
            issues=tuple(issues),
            rules=tuple(self.rules[key] for key in sorted(self.rules)),
            errors=tuple(sorted(self.errors, key=AnalysisError.sort_key)),
        )


def _synthetic_rule(issue: Issue) -> RuleInfo:
    return issue.implied_rule(description=issue.rule)


__all__: Sequence[str] = (
    "EXTERNAL_EFFORT_MINUTES",
    "IMPACT_SEVERITY",
    "IMPORT_KINDS",
    "LEVEL_SEVERITY",
    "QUALITY_TYPE",
    "ImportKind",
    "ImportResult",
    "load_import",
    "parse_import",
)
