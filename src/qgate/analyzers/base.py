"""The analyzer protocol and the registry.

An analyzer is a class registered under the ``qgate.analyzers`` entry-point group. The built-in ones
(cst, radon, bandit, semgrep) are registered in qgate's own ``pyproject.toml`` exactly like a third-party
plugin would be, so the registry has one code path.

Contract:

* ``name``: the analyzer's key in config (``[tool.qgate.analyzers.<name>]``) and the ``tool`` of its issues.
* ``Options``: a pydantic model of the analyzer's options (``extra="forbid"``); config errors name the key.
* ``rules()``: the rules the analyzer can report, each identity declared once (:class:`RuleInfo`).
* ``analyze(files)``: returns issues, per-file measures and errors as data. It never raises for a bad
  input file; it raises :class:`~qgate.errors.AnalyzerError` only when the tool itself cannot run.

Per-file analyzers subclass :class:`FileAnalyzer` and implement ``analyze_file``; the pipeline may fan
those out over a process pool and cache them per file. Batch analyzers (bandit, semgrep) run once per
run over all the files.
"""

from __future__ import annotations

import fnmatch
import json
from abc import ABC, abstractmethod
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, entry_points, packages_distributions, version
from pathlib import Path
from typing import Any, ClassVar, Mapping, Optional, Sequence

from pydantic import BaseModel, ConfigDict, Field

from qgate.errors import ConfigError
from qgate.model import AnalysisError, FileReport, Frozen, Issue, RuleInfo, Severity
from qgate.source import SourceFile

ENTRY_POINT_GROUP = "qgate.analyzers"


class NoOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleSettings(Frozen):
    """Per-rule configuration, ``[tool.qgate.rules.<ID>]``."""

    enabled: Optional[bool] = None
    severity: Optional[Severity] = None
    options: dict[str, Any] = Field(default_factory=dict)


class RuleSelection(Frozen):
    """Which rules run: ``select`` (ids or prefixes; empty means every default-enabled rule) minus ``ignore``."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    rules: dict[str, RuleSettings] = Field(default_factory=dict)

    def is_enabled(self, rule: RuleInfo) -> bool:
        explicit = self.rules.get(rule.id)
        if explicit is not None and explicit.enabled is not None:
            return explicit.enabled
        if any(_matches(rule, pattern) for pattern in self.ignore):
            return False
        if self.select:
            return any(_matches(rule, pattern) for pattern in self.select)
        return rule.default_enabled

    def options_for(self, rule_id: str) -> dict[str, Any]:
        settings = self.rules.get(rule_id)
        return dict(settings.options) if settings else {}


def _matches(rule: RuleInfo, pattern: str) -> bool:
    """A selector matches a rule id by prefix (``QG1`` selects ``QG101``), glob, or the rule's name."""
    if pattern in (rule.id, rule.name, "ALL"):
        return True
    if any(ch in pattern for ch in "*?["):
        return fnmatch.fnmatchcase(rule.id, pattern)
    return rule.id.startswith(pattern)


class AnalyzerContext(Frozen):
    """What an analyzer is given when it is constructed."""

    root: Path = Field(description="Absolute analysis root; SourceFile.path is relative to it.")
    config_root: Optional[Path] = Field(
        default=None, description="Where paths in options resolve (the repository), when it differs from root."
    )
    options: dict[str, Any] = Field(default_factory=dict, description="Raw options table from config.")
    options_source: str = Field(default="", description="Config key of the options table, for error messages.")
    selection: RuleSelection = Field(default_factory=RuleSelection)
    timeout_seconds: float = 600.0


class AnalyzerOutput(Frozen):
    issues: tuple[Issue, ...] = ()
    files: tuple[FileReport, ...] = Field(default=(), description="Per-file measures and functions, partial.")
    errors: tuple[AnalysisError, ...] = ()

    @classmethod
    def merge(cls, outputs: Sequence["AnalyzerOutput"]) -> "AnalyzerOutput":
        return cls(
            issues=tuple(i for o in outputs for i in o.issues),
            files=tuple(f for o in outputs for f in o.files),
            errors=tuple(e for o in outputs for e in o.errors),
        )


class Analyzer(ABC):
    name: ClassVar[str]
    description: ClassVar[str] = ""
    Options: ClassVar[type[BaseModel]] = NoOptions

    def __init__(self, context: AnalyzerContext) -> None:
        self.context = context
        self.options = validate_options(self.Options, context.options, context.options_source or self.name)

    @abstractmethod
    def rules(self) -> Sequence[RuleInfo]:
        """Every rule this analyzer can report (enabled or not)."""

    @abstractmethod
    def analyze(self, files: Sequence[SourceFile]) -> AnalyzerOutput:
        """Analyze the files; failures of single files are returned as errors, not raised."""

    def enabled_rules(self) -> list[RuleInfo]:
        return [r for r in self.rules() if self.context.selection.is_enabled(r)]

    def cache_token(self) -> str:
        """Everything, besides a file's path and content, that decides this analyzer's result for the file.

        The result cache is keyed by it: the analyzer's class and distribution version, its options, the
        rule selection, plus ``cache_inputs()`` (a scanner's own version, its rule files).
        """
        parts = {
            "analyzer": f"{type(self).__module__}.{type(self).__qualname__}",
            "version": distribution_version(type(self).__module__),
            "options": self.options.model_dump(mode="json"),
            "selection": self.context.selection.model_dump(mode="json"),
            "extra": self.cache_inputs(),
        }
        return json.dumps(parts, sort_keys=True, default=str)

    def cache_inputs(self) -> Mapping[str, Any]:
        """Extra inputs of the cache token; scanners return their tool version and rule file hashes."""
        return {}


class FileAnalyzer(Analyzer):
    """An analyzer whose result for a file depends only on that file (parallelizable, cacheable)."""

    def analyze(self, files: Sequence[SourceFile]) -> AnalyzerOutput:
        return AnalyzerOutput.merge([self.analyze_file(f) for f in files])

    @abstractmethod
    def analyze_file(self, source: SourceFile) -> AnalyzerOutput:
        """Analyze one file."""


@lru_cache(maxsize=1)
def _distributions_by_package() -> Mapping[str, list[str]]:
    return packages_distributions()  # scans every installed distribution: once per process


@lru_cache(maxsize=None)
def distribution_version(module: str) -> str:
    """Version of the installed distribution that provides ``module`` ('' when unknown)."""
    top = module.split(".")[0]
    for dist in _distributions_by_package().get(top, []):
        try:
            return version(dist)
        except PackageNotFoundError:
            continue
    return ""


def validate_options(model: type[BaseModel], raw: Mapping[str, Any], where: str) -> BaseModel:
    """Validate an options table, turning pydantic's error into a ConfigError naming the key."""
    from pydantic import ValidationError

    try:
        return model.model_validate(dict(raw))
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join([where, *(str(p) for p in first["loc"])])
        if first["type"] == "extra_forbidden":
            raise ConfigError(f"unknown key {key!r}") from None
        raise ConfigError(f"{key}: {first['msg']}") from None


def load_analyzer(name: str) -> type[Analyzer]:
    """Load one registered analyzer class by name."""
    from qgate.errors import AnalyzerError

    eps = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == name]
    if not eps:
        known = ", ".join(sorted(available_analyzers())) or "none"
        raise ConfigError(f"unknown analyzer {name!r} (installed: {known})")
    try:
        cls = eps[0].load()
    except Exception as exc:  # a broken plugin must not take qgate down with a traceback
        raise AnalyzerError(f"analyzer {name!r} failed to load from {eps[0].value}: {exc}") from None
    if not (isinstance(cls, type) and issubclass(cls, Analyzer)):
        raise AnalyzerError(f"analyzer {name!r} ({eps[0].value}) is not a qgate.analyzers.base.Analyzer subclass")
    return cls


def available_analyzers() -> list[str]:
    return sorted({ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)})
