"""Organization-wide config presets: ``extends`` targets and ``locked`` settings.

Not to be confused with :mod:`qgate.gate.presets` (named sets of gate conditions such as ``qgate-way``).

**Where a preset comes from.** An ``extends`` entry is either

* a *preset reference* ``"dist:name"`` (or ``"name"`` when only one installed distribution registers that
  name): an entry point named ``name`` in the group ``qgate.presets`` of the distribution ``dist``
  (compared the PEP 503 way, so ``acme_standards`` finds ``acme-standards``); or
* a *path* to a TOML file (any entry containing ``/`` or ``\\`` or ending in ``.toml``), relative to the
  directory of the file that contains the entry.

The object an entry point loads to may be a ``str`` (the TOML text), a ``dict`` (the parsed document or
the qgate table itself), a ``pathlib.Path`` or ``importlib.resources`` Traversable (a TOML file), or a
callable taking no argument that returns one of these. A TOML document may hold its settings at the
top level (like ``qgate.toml``) or under ``[tool.qgate]``.

**Locks.** A preset (any extended file, in fact) may declare::

    [locked]                                    # [tool.qgate.locked] in a pyproject.toml
    rules = ["B602", "QG101"]                    # may not be disabled, ignored, or lowered in severity
    gate_conditions = ["new_violations"]         # by metric: may only be made stricter
    analyzers = ["bandit"]                       # may not leave analyzers.enabled (nor become optional)
    keys = ["max_file_size_kb", "exclude"]       # may not change at all (dotted keys, as --show prints)

Every layer applied after the locking one (later presets, the repository's own table) is checked; the
first violation is a :class:`~qgate.errors.ConfigError` naming the offending file and key and the preset.
"""

from __future__ import annotations

import fnmatch
import os
import re
import sys
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Literal, Optional, Sequence

from pydantic import BaseModel, ConfigDict

from qgate.errors import ConfigError
from qgate.gate.presets import SMALL_CHANGE_METRICS, effective_conditions
from qgate.model import Condition, Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

if TYPE_CHECKING:  # pragma: no cover
    from qgate.config import Settings

ENTRY_POINT_GROUP = "qgate.presets"

LockKind = Literal["rule", "gate_condition", "analyzer", "key"]
LOCK_TABLE_KEYS: dict[str, LockKind] = {
    "rules": "rule",
    "gate_conditions": "gate_condition",
    "analyzers": "analyzer",
    "keys": "key",
}


class Lock(BaseModel):
    """One locked item: ``kind`` and ``item`` (a rule id, a metric, an analyzer name or a dotted key)."""

    model_config = ConfigDict(frozen=True)

    kind: LockKind
    item: str
    source: str  # the preset (or file) that declared the lock


# --- resolving an extends entry ----------------------------------------------------------------------


@dataclass(frozen=True)
class PresetDocument:
    """A parsed extends target: its qgate table and where relative paths inside it resolve."""

    identity: str  # unique per target, for cycle detection
    label: str  # what provenance and messages call it: "acme-standards:python" or the file path
    table: dict[str, Any]
    prefix: str  # "tool.qgate" when the table came from [tool.qgate], else ""
    base_dir: Optional[Path]


Reader = Callable[[Path], Optional[str]]


def read_disk(path: Path) -> Optional[str]:
    """The text of a file on disk, None when it does not exist."""
    if not path.is_file():
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None


def is_path_entry(entry: str) -> bool:
    return "/" in entry or "\\" in entry or entry.endswith(".toml")


def qgate_table(document: dict[str, Any], pyproject: bool) -> tuple[dict[str, Any], str]:
    """The qgate table of a parsed document and its key prefix (same rules as the config files)."""
    tool = document.get("tool")
    if pyproject:
        table = tool.get("qgate", {}) if isinstance(tool, dict) else {}
        return table, "tool.qgate"
    if isinstance(tool, dict) and "qgate" in tool:
        return tool["qgate"], "tool.qgate"
    return document, ""


def load_path_entry(entry: str, base_dir: Path, where: str, read: Reader) -> PresetDocument:
    """An extends entry naming a TOML file. ``where`` (``"file: key"``) prefixes every error."""
    path = Path(entry).expanduser()
    path = Path(os.path.abspath(path if path.is_absolute() else base_dir / path))
    text = read(path)
    if text is None:
        raise ConfigError(f"{where}: extended file not found: {path}")
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    table, prefix = qgate_table(document, path.name == "pyproject.toml")
    return PresetDocument(identity=f"file:{path}", label=str(path), table=table, prefix=prefix, base_dir=path.parent)


def _normalize(dist: str) -> str:
    return re.sub(r"[-_.]+", "-", dist).lower()


def _dist_name(ep: EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    return dist.metadata["Name"] if dist is not None and dist.metadata["Name"] else "?"


def available_presets() -> list[str]:
    """Every installed preset as ``dist:name``."""
    return sorted({f"{_dist_name(ep)}:{ep.name}" for ep in entry_points(group=ENTRY_POINT_GROUP)})


def find_preset(reference: str, where: str) -> EntryPoint:
    dist, sep, name = reference.rpartition(":")
    if not name or (sep and not dist):
        raise ConfigError(f"{where}: invalid preset reference {reference!r} (expected 'dist:name' or a .toml path)")
    matches: dict[str, EntryPoint] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == name and (not sep or _normalize(_dist_name(ep)) == _normalize(dist)):
            matches.setdefault(f"{_dist_name(ep)}:{ep.name}", ep)  # one per distribution, first on sys.path wins
    if not matches:
        known = ", ".join(available_presets()) or "none"
        raise ConfigError(f"{where}: unknown preset {reference!r} (installed presets: {known})")
    if len(matches) > 1:
        raise ConfigError(f"{where}: preset name {name!r} is ambiguous, write one of: {', '.join(sorted(matches))}")
    return next(iter(matches.values()))


def load_preset_entry(reference: str, where: str) -> PresetDocument:
    """An extends entry naming an installed preset: load its entry point and parse what it gives."""
    ep = find_preset(reference, where)
    label = f"{_dist_name(ep)}:{ep.name}"
    try:
        obj = ep.load()
        if callable(obj) and not isinstance(obj, (str, dict, os.PathLike)) and not hasattr(obj, "read_text"):
            obj = obj()
    except Exception as exc:  # a broken preset package must not crash qgate with a traceback
        raise ConfigError(f"{where}: preset {label} failed to load from {ep.value}: {type(exc).__name__}: {exc}") from None
    module_dir = _module_dir(ep.module)
    if isinstance(obj, os.PathLike):
        path = Path(obj)
        text = read_disk(path)
        if text is None:
            raise ConfigError(f"{where}: preset {label} points to a missing file {path}")
        document, base_dir = _parse(text, label), path.parent
    elif hasattr(obj, "read_text") and hasattr(obj, "is_file"):  # importlib.resources Traversable
        document, base_dir = _parse(obj.read_text(encoding="utf-8"), label), module_dir
    elif isinstance(obj, str):
        document, base_dir = _parse(obj, label), module_dir
    elif isinstance(obj, dict):
        document, base_dir = obj, module_dir
    else:
        raise ConfigError(
            f"{where}: preset {label} ({ep.value}) gave a {type(obj).__name__}; expected TOML text, a dict or a path"
        )
    table, prefix = qgate_table(document, pyproject=False)
    return PresetDocument(identity=f"preset:{label}", label=label, table=table, prefix=prefix, base_dir=base_dir)


def _parse(text: str, label: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{label}: invalid TOML: {exc}") from None


def _module_dir(module: str) -> Optional[Path]:
    mod = sys.modules.get(module.split(":")[0])
    file = getattr(mod, "__file__", None)
    return Path(file).parent if file else None


# --- locks ------------------------------------------------------------------------------------------


def parse_locks(raw: Any, source: str, where: str, key: str) -> tuple[Lock, ...]:
    """The ``locked`` table of one layer. ``where`` names the file, ``key`` the table's dotted key."""
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: {key} must be a table (rules, gate_conditions, analyzers, keys)")
    locks: list[Lock] = []
    for name, items in raw.items():
        kind = LOCK_TABLE_KEYS.get(name)
        if kind is None:
            raise ConfigError(f"{where}: unknown key {key + '.' + name!r} (known: {', '.join(LOCK_TABLE_KEYS)})")
        if not isinstance(items, list) or not all(isinstance(i, str) and i for i in items):
            raise ConfigError(f"{where}: {key}.{name} must be a list of non-empty strings")
        if kind == "key":
            for i, item in enumerate(items):
                split_key(item, f"{where}: {key}.{name}[{i}]")
        locks.extend(Lock(kind=kind, item=item, source=source) for item in items)
    return tuple(locks)


def check_declared(lock: Lock, state: "Settings", where: str, key: str) -> None:
    """A lock must name something that exists where it is declared."""
    if lock.kind == "gate_condition" and _condition(state, lock.item, where) is None:
        raise ConfigError(f"{where}: {key}: no gate condition on metric {lock.item!r} to lock")
    if lock.kind == "analyzer" and lock.item not in state.analyzers.enabled:
        raise ConfigError(f"{where}: {key}: analyzer {lock.item!r} is not enabled, it cannot be locked")
    if lock.kind == "key":
        head = split_key(lock.item, where)[0]
        if head not in type(state).model_fields:
            raise ConfigError(f"{where}: {key}: unknown key {lock.item!r}")


def violation(
    lock: Lock, base: "Settings", current: "Settings", base_values: dict[str, Any], values: dict[str, Any], where: str
) -> Optional[tuple[str, str]]:
    """``(offending key, what it does)`` when ``current`` loosens what ``lock`` holds in ``base``; else None."""
    if lock.kind == "gate_condition":
        return _condition_violation(lock.item, base, current, where)
    if lock.kind == "rule":
        return _rule_violation(lock.item, base, current)
    if lock.kind == "analyzer":
        if lock.item not in current.analyzers.enabled:
            return "analyzers.enabled", f"removes locked analyzer {lock.item!r}"
        if lock.item in current.analyzers.optional and lock.item not in base.analyzers.optional:
            return "analyzers.optional", f"makes locked analyzer {lock.item!r} optional"
        return None
    path = split_key(lock.item, where)
    before, after = value_at(base_values, path), value_at(values, path)
    if before != after:
        return lock.item, f"changes locked key {lock.item} ({_short(before)} -> {_short(after)})"
    return None


def _short(value: Any) -> str:
    text = "unset" if value is _MISSING else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _condition(settings: "Settings", metric: str, where: str) -> Optional[Condition]:
    try:
        conditions = effective_conditions(settings.gate.preset, settings.gate.conditions)
    except ConfigError as exc:
        raise ConfigError(f"{where}: gate.preset: {exc}") from None
    return next((c for c in conditions if c.metric == metric), None)


def _condition_violation(metric: str, base: "Settings", current: "Settings", where: str) -> Optional[tuple[str, str]]:
    before = _condition(base, metric, where)
    after = _condition(current, metric, where)
    if before is None:  # check_declared refused this already
        return None
    key = "gate.preset" if current.gate.preset != base.gate.preset else "gate.conditions"
    if after is None:
        return key, f"removes locked gate condition {metric!r}"
    shown = f"{metric} {before.op} {before.threshold:g} -> {after.op} {after.threshold:g}"
    if after.op != before.op:
        return key, f"changes the operator of locked gate condition ({shown})"
    if before.op in ("gt", "gte"):
        looser = after.threshold > before.threshold
    elif before.op in ("lt", "lte"):
        looser = after.threshold < before.threshold
    else:
        looser = after.threshold != before.threshold
    if looser:
        return key, f"loosens locked gate condition ({shown})"
    if metric in SMALL_CHANGE_METRICS and current.gate.small_change_lines > base.gate.small_change_lines:
        return "gate.small_change_lines", (
            f"raises small_change_lines ({base.gate.small_change_lines} -> {current.gate.small_change_lines}), "
            f"loosening locked gate condition {metric!r}"
        )
    return None


def _listed(pattern: str, rule: str) -> bool:
    """Could this ignore/per-path pattern cover ``rule``? (ALL, exact, prefix, glob, dotted suffix; any case)."""
    p, r = pattern.upper(), rule.upper()
    if p == "ALL" or r == p or r.startswith(p) or r.endswith("." + p):
        return True
    return any(ch in p for ch in "*?[") and fnmatch.fnmatchcase(r, p)


def _selected(select: Sequence[str], rule: str) -> bool:
    """Does a non-empty select keep ``rule``? (the selection's own matching, by id)."""
    for pattern in select:
        if pattern in (rule, "ALL") or rule.startswith(pattern):
            return True
        if any(ch in pattern for ch in "*?[") and fnmatch.fnmatchcase(rule, pattern):
            return True
    return False


def _rule_violation(rule: str, base: "Settings", current: "Settings") -> Optional[tuple[str, str]]:
    for check in (_rule_switched_off, _rule_ignored_by_path, _rule_severity_lowered, _rule_options_changed):
        found = check(rule, base, current)
        if found is not None:
            return found
    return None


def _rule_switched_off(rule: str, base: "Settings", current: "Settings") -> Optional[tuple[str, str]]:
    """``rules.<id>.enabled = false``, or (without an explicit enable) an ``ignore`` or ``select`` dropping it."""
    rb, rc = base.rules.get(rule), current.rules.get(rule)
    base_state = rb.enabled if rb is not None else None
    state = rc.enabled if rc is not None else None
    if state is False:
        return None if base_state is False else (_rule_key(rule, "enabled"), f"disables locked rule {rule}")
    if state is True or base_state is True:  # an explicit enable wins over ignore and select
        return None
    ignored = [p for p in current.ignore if _listed(p, rule)]
    if ignored and not any(_listed(p, rule) for p in base.ignore):
        return "ignore", f"ignores locked rule {rule} (pattern {ignored[0]!r})"
    if _deselected(current, rule) and not _deselected(base, rule):
        return "select", f"no longer selects locked rule {rule}"
    return None


def _deselected(settings: "Settings", rule: str) -> bool:
    return bool(settings.select) and not _selected(settings.select, rule)


def _rule_ignored_by_path(rule: str, base: "Settings", current: "Settings") -> Optional[tuple[str, str]]:
    for pattern, codes in current.per_path_ignores.items():
        allowed = base.per_path_ignores.get(pattern, ())
        if any(_listed(c, rule) and c not in allowed for c in codes):
            return f"per_path_ignores.{quote_key(pattern)}", f"ignores locked rule {rule} in {pattern!r}"
    return None


def _rule_severity_lowered(rule: str, base: "Settings", current: "Settings") -> Optional[tuple[str, str]]:
    rb, rc = base.rules.get(rule), current.rules.get(rule)
    severity = rc.severity if rc is not None else None
    pinned = rb.severity if rb is not None else None
    if severity is None or severity == pinned:
        return None
    if pinned is not None and severity.rank > pinned.rank:
        return _rule_key(rule, "severity"), f"lowers the severity of locked rule {rule} ({pinned.value} -> {severity.value})"
    if pinned is None and severity is not Severity.BLOCKER:
        return _rule_key(rule, "severity"), (
            f"sets the severity of locked rule {rule} to {severity.value} (the preset pins none: only 'blocker' may be set)"
        )
    return None


def _rule_options_changed(rule: str, base: "Settings", current: "Settings") -> Optional[tuple[str, str]]:
    rb, rc = base.rules.get(rule), current.rules.get(rule)
    if (rc.options if rc else {}) != (rb.options if rb else {}):
        return _rule_key(rule, "options"), f"changes the options of locked rule {rule}"
    return None


def _rule_key(rule: str, field: str) -> str:
    return f"rules.{quote_key(rule)}.{field}"


# --- dotted keys ------------------------------------------------------------------------------------

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")
_MISSING: Any = type("_Missing", (), {"__repr__": lambda self: "unset"})()


def quote_key(part: str) -> str:
    """A TOML key segment: bare when possible, else a basic string."""
    if _BARE.match(part):
        return part
    return '"' + part.replace("\\", "\\\\").replace('"', '\\"') + '"'


def join_key(parts: Sequence[str]) -> str:
    return ".".join(quote_key(p) for p in parts)


_SEGMENT = re.compile(r'\s*(?:"((?:[^"\\]|\\.)*)"|([A-Za-z0-9_-]+))\s*(\.|$)')


def split_key(key: str, where: str) -> tuple[str, ...]:
    """Parse a dotted TOML key (``rules."a.b".severity``) into its segments."""
    parts: list[str] = []
    pos = 0
    while True:
        match = _SEGMENT.match(key, pos)
        if match is None:
            raise ConfigError(f"{where}: invalid key {key!r}")
        quoted, bare, dot = match.groups()
        parts.append(re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else bare)
        pos = match.end()
        if not dot:
            return tuple(parts)
        if pos == len(key):
            raise ConfigError(f"{where}: invalid key {key!r}")


def value_at(tree: dict[str, Any], path: Sequence[str]) -> Any:
    node: Any = tree
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node
