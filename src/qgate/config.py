"""Configuration: one typed Settings model, loaded from ``[tool.qgate]`` in pyproject.toml or from qgate.toml.

Every key is declared here with ``extra="forbid"``, so a typo fails with exit 2 and a message naming the
file and the key. The one open table is ``[tool.qgate.analyzers.<name>]``: its keys belong to the analyzer
``<name>`` (built-in or plugin), whose own options model validates them when the analyzer is loaded.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from qgate.analyzers.base import RuleSelection, RuleSettings
from qgate.errors import ConfigError
from qgate.model import Condition

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

DEFAULT_ANALYZERS = ("cst", "radon", "bandit", "semgrep")

# Directories nobody wants analyzed (the same spirit as ruff's default excludes).
DEFAULT_EXCLUDE = (
    ".bzr/",
    ".direnv/",
    ".eggs/",
    ".git/",
    ".hg/",
    ".mypy_cache/",
    ".nox/",
    ".pytype/",
    ".qgate/",
    ".ruff_cache/",
    ".svn/",
    ".tox/",
    ".venv/",
    "venv/",
    "__pypackages__/",
    "_build/",
    "buck-out/",
    "build/",
    "dist/",
    "node_modules/",
    "site-packages/",
)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AnalyzersSettings(_Section):
    """``[tool.qgate.analyzers]``: which analyzers run, plus one options table per analyzer."""

    enabled: tuple[str, ...] = DEFAULT_ANALYZERS
    optional: tuple[str, ...] = Field(
        default=(), description="Analyzers whose failure is reported but does not make the gate status 'error'."
    )
    options: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _collect_option_tables(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        known = {"enabled", "optional", "options"}
        tables = {k: v for k, v in data.items() if k not in known}
        for key, value in tables.items():
            if not isinstance(value, dict):
                raise ValueError(f"{key!r} must be a table of options for analyzer {key!r}")
        rest = {k: v for k, v in data.items() if k in known}
        rest["options"] = {**dict(rest.get("options") or {}), **tables}
        return rest


class GateSettings(_Section):
    """``[tool.qgate.gate]``: a preset and extra conditions (a condition on the same metric replaces the preset's)."""

    preset: Optional[str] = "qgate-way"
    conditions: tuple[Condition, ...] = ()
    small_change_lines: int = Field(
        default=20, ge=0, description="Below this many new lines, coverage and duplication conditions are ignored."
    )


class NewCodeSettings(_Section):
    """``[tool.qgate.new_code]``."""

    reference: Optional[str] = Field(default=None, description="Git reference new code is compared with.")


class CoverageSettings(_Section):
    """``[tool.qgate.coverage]``: coverage reports read on every check, and how to map their paths."""

    reports: tuple[str, ...] = Field(default=(), description="Report files (coverage.py XML/JSON, LCOV), relative to the root.")
    source_roots: tuple[str, ...] = Field(default=(), description="Prefixes to strip from report paths.")


class DuplicationSettings(_Section):
    """``[tool.qgate.duplication]``: copy-paste detection, SonarQube's thresholds for Python by default."""

    enabled: bool = True
    min_tokens: int = Field(default=100, ge=1, description="A duplicated block holds at least this many tokens...")
    min_lines: int = Field(default=10, ge=1, description="...over at least this many lines of code.")


class Settings(_Section):
    include: tuple[str, ...] = Field(default=("*.py",), description="gitignore-style patterns of files to analyze.")
    exclude: tuple[str, ...] = Field(default=DEFAULT_EXCLUDE, description="gitignore-style patterns never analyzed.")
    extend_exclude: tuple[str, ...] = Field(default=(), description="Patterns added to exclude.")
    respect_gitignore: bool = True
    max_file_size_kb: int = Field(default=2048, gt=0, description="Larger files are skipped and listed in the report.")
    timeout_seconds: float = Field(default=600.0, gt=0, description="Time limit of one external scanner run.")
    jobs: int = Field(default=0, ge=0, description="Worker processes for per-file analysis (0: one per core).")
    cache: bool = Field(default=True, description="Reuse per-file results from .qgate/cache.")
    select: tuple[str, ...] = Field(default=(), description="Rule ids or prefixes to run (default: every default rule).")
    ignore: tuple[str, ...] = Field(default=(), description="Rule ids or prefixes never to run.")
    rules: dict[str, RuleSettings] = Field(default_factory=dict, description="Per-rule enabled/severity/options.")
    per_path_ignores: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="gitignore-style pattern -> rule ids (or prefixes, or ALL) ignored there."
    )
    hotspot_reviews: str = Field(
        default=".qgate/hotspots.json", description="Reviewed-hotspots file, relative to the repository root."
    )
    analyzers: AnalyzersSettings = Field(default_factory=AnalyzersSettings)
    coverage: CoverageSettings = Field(default_factory=CoverageSettings)
    duplication: DuplicationSettings = Field(default_factory=DuplicationSettings)
    gate: GateSettings = Field(default_factory=GateSettings)
    new_code: NewCodeSettings = Field(default_factory=NewCodeSettings)

    @field_validator("rules")
    @classmethod
    def _rule_ids(cls, value: dict[str, RuleSettings]) -> dict[str, RuleSettings]:
        for key in value:
            if not key or any(ch.isspace() for ch in key):
                raise ValueError(f"invalid rule id {key!r}")
        return value

    def selection(self) -> RuleSelection:
        return RuleSelection(select=self.select, ignore=self.ignore, rules=dict(self.rules))

    @property
    def all_excludes(self) -> tuple[str, ...]:
        return self.exclude + self.extend_exclude


class LoadedConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    settings: Settings
    path: Optional[Path] = Field(default=None, description="The file the settings came from; None for defaults.")

    @property
    def label(self) -> str:
        return str(self.path) if self.path else "built-in defaults"


CONFIG_FILES = ("qgate.toml", ".qgate.toml", "pyproject.toml")


def find_config(start: Path, stop: Optional[Path] = None) -> Optional[Path]:
    """The nearest qgate.toml/.qgate.toml, or pyproject.toml with a [tool.qgate] table, from start upward.

    The search stops after ``stop`` (the repository root) when given.
    """
    current = start if start.is_dir() else start.parent
    current = current.resolve()
    stop = stop.resolve() if stop else None
    while True:
        for name in CONFIG_FILES:
            candidate = current / name
            if candidate.is_file() and (name != "pyproject.toml" or _has_qgate_table(candidate)):
                return candidate
        if current == stop or current.parent == current:
            return None
        current = current.parent


def _has_qgate_table(path: Path) -> bool:
    try:
        data = _read_toml(path)
    except ConfigError:
        return True  # let load_config report the broken file rather than silently skipping it
    return isinstance(data.get("tool"), dict) and "qgate" in data["tool"]


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None


def table_from_document(data: dict[str, Any], path: Path) -> tuple[dict[str, Any], str]:
    """The qgate table of a parsed config document and the key prefix used in error messages."""
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("qgate", {})
        return table, "tool.qgate"
    if "tool" in data and isinstance(data["tool"], dict) and "qgate" in data["tool"]:
        return data["tool"]["qgate"], "tool.qgate"
    return data, ""


def parse_settings(table: dict[str, Any], source: str, prefix: str = "tool.qgate") -> Settings:
    """Validate a raw qgate table. Errors name the source and the dotted key."""
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: {prefix or 'the file'} must be a table")
    try:
        return Settings.model_validate(table)
    except ValidationError as exc:
        raise ConfigError(f"{source}: {_describe(exc, prefix)}") from None


def _describe(exc: ValidationError, prefix: str) -> str:
    err = exc.errors()[0]
    loc = [str(p) for p in err["loc"] if not str(p).startswith("function-")]
    # the option tables of [tool.qgate.analyzers] are re-keyed by the validator above: undo that in messages
    if len(loc) >= 2 and loc[0] == "analyzers" and loc[1] == "options":
        loc = ["analyzers", *loc[2:]]
    key = ".".join(p for p in [prefix, *loc] if p)
    kind = err["type"]
    if kind == "extra_forbidden":
        return f"unknown key {key!r}"
    message = err["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    return f"{key}: {message}"


def load_config(path: Optional[Path]) -> LoadedConfig:
    """Load settings from a file (None: built-in defaults)."""
    if path is None:
        return LoadedConfig(settings=Settings(), path=None)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    data = _read_toml(path)
    table, prefix = table_from_document(data, path)
    return LoadedConfig(settings=parse_settings(table, str(path), prefix), path=path)


def load_config_text(text: str, name: str) -> LoadedConfig:
    """Load settings from the text of a config file named ``name`` (e.g. read from a git commit)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{name}: invalid TOML: {exc}") from None
    table, prefix = table_from_document(data, Path(name))
    return LoadedConfig(settings=parse_settings(table, name, prefix), path=Path(name))
