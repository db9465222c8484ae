"""Configuration: one typed Settings model, loaded from ``[tool.qgate]`` in pyproject.toml or from qgate.toml.

Every key is declared here with ``extra="forbid"``, so a typo fails with exit 2 and a message naming the
file and the key. The one open table is ``[tool.qgate.analyzers.<name>]``: its keys belong to the analyzer
``<name>`` (built-in or plugin), whose own options model validates them when the analyzer is loaded.

``extends = [...]`` layers presets (installed packages, entry-point group ``qgate.presets``) and TOML files
under the file's own table, and a preset's ``[locked]`` table forbids loosening what it sets: see
:mod:`qgate.presets` for where presets come from and what locks mean, and :func:`merge_tables` for how
layers merge. The loader records where every value came from (:attr:`LoadedConfig.provenance`).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from qgate.analyzers.base import RuleSelection, RuleSettings
from qgate.errors import ConfigError
from qgate.model import Condition
from qgate.presets import (
    LOCK_TABLE_KEYS,
    Lock,
    PresetDocument,
    Reader,
    check_declared,
    is_path_entry,
    join_key,
    load_path_entry,
    load_preset_entry,
    parse_locks,
    read_disk,
    split_key,
    violation,
)

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
    ".venv*/",
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


class AiSettings(_Section):
    """``[tool.qgate.ai]``: AI Code Assurance. A change is treated as AI-written (and gated with ``preset``)
    when a changed file matches ``paths``, when a commit of the change carries an AI trailer
    (``Co-authored-by`` naming a known assistant or one of ``assistants``, or any of ``trailers``), or with
    ``--ai-code``."""

    paths: tuple[str, ...] = Field(default=(), description="gitignore-style patterns of AI-written files.")
    assistants: tuple[str, ...] = Field(
        default=(), description="Extra assistant names or e-mails recognized in Co-authored-by trailers."
    )
    trailers: tuple[str, ...] = Field(
        default=("Generated-by", "Assisted-by"), description="Trailers that mark a commit as AI-written, whatever their value."
    )
    preset: str = Field(default="qgate-way-ai", description="Gate preset applied to AI-written changes.")


class HistorySettings(_Section):
    """``[tool.qgate.history]``: recording analyses for KPIs (the database URL comes from ``--database-url`` or
    ``QGATE_DATABASE_URL``, never from a committed file: it may hold a password)."""

    enabled: bool = Field(default=False, description="Record every check, as with --record.")
    project: Optional[str] = Field(default=None, description="Project key (default: CI variables, the remote, the folder).")
    main_branch: Optional[str] = Field(default=None, description="The main branch for KPIs (default: main, else master).")


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
    history: HistorySettings = Field(default_factory=HistorySettings)
    ai: AiSettings = Field(default_factory=AiSettings)

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


DEFAULT_SOURCE = "built-in default"


class LoadedConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    settings: Settings
    path: Optional[Path] = Field(default=None, description="The file the settings came from; None for defaults.")
    extends: tuple[str, ...] = Field(
        default=(), description="Every preset and extended file applied under the file's own table, in order."
    )
    provenance: dict[str, str] = Field(
        default_factory=dict,
        description="Dotted key (as `qgate config --show` prints it) -> the source of its value; keys absent here "
        "have their built-in default.",
    )
    locks: tuple[Lock, ...] = Field(default=(), description="Everything the presets locked.")

    @property
    def label(self) -> str:
        return str(self.path) if self.path else "built-in defaults"

    def source_of(self, key: str) -> str:
        return self.provenance.get(key, DEFAULT_SOURCE)


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
    except RecursionError:
        raise ConfigError(f"{path}: invalid TOML: nested too deeply") from None
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
    """Load settings from a file (None: built-in defaults), with everything it ``extends``."""
    if path is None:
        return LoadedConfig(settings=Settings(), path=None)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    data = _read_toml(path)
    table, prefix = table_from_document(data, path)
    root = PresetDocument(
        identity=f"file:{os.path.abspath(path)}", label=str(path), table=table, prefix=prefix, base_dir=path.parent
    )
    return _load_layers(root, path, read_disk)


def load_config_text(
    text: str, name: str, *, origin: Optional[Path] = None, read: Optional[Reader] = None
) -> LoadedConfig:
    """Load settings from the text of a config file named ``name`` (e.g. read from a git commit).

    Relative ``extends`` paths resolve against ``origin``'s directory (default: ``name``'s, from the current
    directory) and are read with ``read(absolute_path) -> text or None`` (default: from disk); to load the
    config of a commit, pass a reader that takes files inside the repository from that commit.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{name}: invalid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{name}: invalid TOML: nested too deeply") from None
    table, prefix = table_from_document(data, Path(name))
    location = origin if origin is not None else Path(name)
    root = PresetDocument(
        identity=f"file:{os.path.abspath(location)}", label=name, table=table, prefix=prefix, base_dir=location.parent
    )
    return _load_layers(root, Path(name), read or read_disk)


# --- extends: layers, merging, locks, provenance --------------------------------------------------------


@dataclass(frozen=True)
class _Layer:
    doc: PresetDocument
    dump: dict[str, Any]  # the layer's own validated keys (JSON mode, only what it sets)
    locks: tuple[Lock, ...]


def _load_layers(root: PresetDocument, path: Path, read: Reader) -> LoadedConfig:
    layers: list[_Layer] = []
    _resolve(root, read, (), set(), layers)
    state: dict[str, Any] = {}
    provenance: dict[str, str] = {}
    active: list[tuple[Lock, Settings, dict[str, Any]]] = []
    settings = Settings()
    for layer in layers:
        where, kp = layer.doc.label, _key_prefix(layer.doc.prefix)
        state = merge_tables(state, layer.dump)
        try:
            settings = Settings.model_validate(state)
        except ValidationError as exc:  # each layer validated alone: only a merge bug could get here
            raise ConfigError(f"{where}: {_describe(exc, layer.doc.prefix)}") from None
        values = settings_tree(settings)
        for lock, base, base_values in active:
            found = violation(lock, base, settings, base_values, values, where)
            if found is not None:
                key, what = found
                raise ConfigError(f"{where}: {kp}{key}: {what} (locked by {lock.source})")
        _record(provenance, layer)
        for lock in layer.locks:
            check_declared(lock, settings, where, f"{kp}locked.{_LOCK_TABLES[lock.kind]} {lock.item!r}")
            active.append((lock, settings, values))
    return LoadedConfig(
        settings=settings,
        path=path,
        extends=tuple(layer.doc.label for layer in layers[:-1]),
        provenance=provenance,
        locks=tuple(lock for layer in layers for lock in layer.locks),
    )


_LOCK_TABLES = {kind: table for table, kind in LOCK_TABLE_KEYS.items()}


def _key_prefix(prefix: str) -> str:
    return f"{prefix}." if prefix else ""


def _resolve(doc: PresetDocument, read: Reader, chain: tuple[PresetDocument, ...], seen: set[str], out: list[_Layer]) -> None:
    """Append ``doc``'s layers to ``out``: what it extends first (depth first, in order), then its own table.

    A target reached a second time (a diamond) is applied once, at its first position.
    """
    kp = _key_prefix(doc.prefix)
    if not isinstance(doc.table, dict):
        raise ConfigError(f"{doc.label}: {doc.prefix or 'the document'} must be a table")
    table = dict(doc.table)
    extends = table.pop("extends", [])
    locked = table.pop("locked", None)
    if not isinstance(extends, list) or not all(isinstance(e, str) and e for e in extends):
        raise ConfigError(f"{doc.label}: {kp}extends must be a list of preset names ('dist:name') or TOML paths")
    chain = (*chain, doc)
    for i, entry in enumerate(extends):
        where = f"{doc.label}: {kp}extends[{i}]"
        target, target_read = _target(entry, doc, read, where)
        if any(t.identity == target.identity for t in chain):
            cycle = " -> ".join([*(t.label for t in chain), target.label])
            raise ConfigError(f"{where}: extends cycle: {cycle}")
        if target.identity not in seen:
            _resolve(target, target_read, chain, seen, out)
    settings = parse_settings(table, doc.label, doc.prefix)
    locks = parse_locks(locked, doc.label, doc.label, f"{kp}locked")
    seen.add(doc.identity)
    out.append(_Layer(doc=doc, dump=settings.model_dump(mode="json", exclude_unset=True), locks=locks))


def _target(entry: str, doc: PresetDocument, read: Reader, where: str) -> tuple[PresetDocument, Reader]:
    """What one extends entry names, and how files it extends in turn are read."""
    if not is_path_entry(entry):
        return load_preset_entry(entry, where), read_disk  # a package's files are on disk
    if doc.base_dir is None:
        raise ConfigError(f"{where}: {entry!r}: a relative path needs a preset that lives in a file")
    return load_path_entry(entry, doc.base_dir, where, read), read


def merge_tables(base: dict[str, Any], over: dict[str, Any], path: tuple[str, ...] = ()) -> dict[str, Any]:
    """``over`` applied on ``base``: tables merge key by key, lists and scalars replace.

    Two exceptions: ``extend_exclude`` accumulates (every layer's patterns, in order, once each), and
    ``gate.conditions`` merges by metric (a condition on a metric already present replaces it in place).
    """
    merged = dict(base)
    for key, value in over.items():
        here = (*path, key)
        if here == ("extend_exclude",):
            merged[key] = list(dict.fromkeys([*base.get(key, []), *value]))
        elif here == ("gate", "conditions"):
            merged[key] = _merge_conditions(base.get(key, []), value)
        elif isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = merge_tables(base[key], value, here)
        else:
            merged[key] = value
    return merged


def _merge_conditions(base: list[dict[str, Any]], over: list[dict[str, Any]]) -> list[dict[str, Any]]:
    replacing = {c["metric"]: c for c in over}
    merged = [replacing.pop(c["metric"], c) for c in base]
    merged.extend(c for c in over if replacing.get(c["metric"]) is c)
    return merged


def settings_tree(settings: Settings, exclude_unset: bool = False) -> dict[str, Any]:
    """The settings as nested JSON-able tables laid out as a config file writes them (``analyzers.<name>``)."""
    return _as_written(settings.model_dump(mode="json", exclude_unset=exclude_unset))


def _as_written(dump: dict[str, Any]) -> dict[str, Any]:
    tree = dict(dump)
    if isinstance(tree.get("analyzers"), dict):
        analyzers = dict(tree["analyzers"])
        analyzers.update(analyzers.pop("options", None) or {})
        tree["analyzers"] = analyzers
    return tree


def _leaves(tree: dict[str, Any], path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every leaf: scalars, lists and empty tables; gate conditions one per metric (``gate.conditions.<metric>``)."""
    for key, value in tree.items():
        here = (*path, key)
        if here == ("gate", "conditions") and value:
            for condition in value:
                yield (*here, condition["metric"]), condition
        elif isinstance(value, dict) and value:
            yield from _leaves(value, here)
        else:
            yield here, value


def _record(provenance: dict[str, str], layer: _Layer) -> None:
    source = layer.doc.label
    for path, value in _leaves(_as_written(layer.dump)):
        key = join_key(path)
        if path == ("extend_exclude",) and value and key in provenance:
            sources = provenance[key].split(" + ")
            provenance[key] = " + ".join(dict.fromkeys([*sources, source]))
        else:
            provenance[key] = source


class EffectiveValue(BaseModel):
    """One leaf of the effective settings, for ``qgate config --show``."""

    model_config = ConfigDict(frozen=True)

    key: str
    path: tuple[str, ...]
    value: Any
    source: str
    locked_by: tuple[str, ...] = ()


def effective_values(loaded: LoadedConfig) -> list[EffectiveValue]:
    """Every leaf of the effective settings with its value and source, in the order a config file lists them."""
    tree = merge_tables(settings_tree(Settings()), settings_tree(loaded.settings, exclude_unset=True))
    explicit_metrics = {c.metric for c in loaded.settings.gate.conditions}
    result = []
    for path, value in _leaves(tree):
        key = join_key(path)
        lockers = [lock.source for lock in loaded.locks if _lock_covers(lock, key, path, explicit_metrics)]
        result.append(
            EffectiveValue(
                key=key, path=path, value=value, source=loaded.source_of(key), locked_by=tuple(dict.fromkeys(lockers))
            )
        )
    return result


def _lock_covers(lock: Lock, key: str, path: tuple[str, ...], explicit_metrics: set[str]) -> bool:
    if lock.kind == "key":
        locked = split_key(lock.item, "locked.keys")
        return path[: len(locked)] == locked
    if lock.kind == "rule":
        return path[:2] == ("rules", lock.item)
    if lock.kind == "analyzer":
        return path == ("analyzers", "enabled")
    if lock.item in explicit_metrics:
        return path == ("gate", "conditions", lock.item)
    return path == ("gate", "preset")
