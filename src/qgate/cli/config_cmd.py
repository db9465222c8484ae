"""``qgate config --show``: the effective configuration, and where each value came from.

Text output is valid TOML in the ``qgate.toml`` layout (it loads back to the same settings), with a
``# from: <source>`` comment on every key; sources are ``built-in default``, a preset (``dist:name``) or a
file. JSON output maps each dotted key to ``{"value": ..., "source": ..., "locked_by": [...]}`` (``locked_by``
only for keys a preset locked). Gate conditions are listed one per metric (``gate.conditions.<metric>``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
from pathlib import Path
from typing import Any, Optional

from qgate.cli.check import analysis_root, resolve_config
from qgate.cli.output import emit
from qgate.config import DEFAULT_SOURCE, EffectiveValue, LoadedConfig, effective_values
from qgate.errors import ConfigError, UsageError
from qgate.gate.presets import effective_conditions
from qgate.presets import LOCK_TABLE_KEYS, join_key, quote_key

FORMATS = ("text", "json")


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("config", help="show the effective configuration and where each value comes from")
    parser.add_argument(
        "--show", action="store_true",
        help="print the effective configuration (defaults, presets from 'extends', the file) with each value's source",
    )
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    parser.add_argument("--config", type=Path, help="config file (default: the one qgate check would use)")
    parser.add_argument("path", nargs="?", type=Path, help="a file or directory: show the config that applies there")
    parser.add_argument("-o", "--output", type=Path, help="write to FILE instead of stdout")


def run(args: argparse.Namespace) -> int:
    if not args.show:
        raise UsageError("qgate config: nothing to do (use 'qgate config --show')")
    paths = [args.path] if args.path is not None else []
    root = analysis_root(paths)
    loaded = resolve_config(args.config, root, paths)
    cwd = Path.cwd()
    text = render_json(loaded, cwd) if args.format == "json" else render_text(loaded, cwd)
    emit(text, args.output)
    return 0


def display_source(source: str, cwd: Optional[Path] = None) -> str:
    """A source for people: file paths relative to ``cwd`` when inside it (``a + b`` for accumulated lists)."""
    parts = []
    for part in source.split(" + "):
        path = Path(part)
        if cwd is not None and path.is_absolute():
            try:
                part = os.path.relpath(path, cwd) if cwd in path.parents else part
            except ValueError:  # another drive on Windows
                pass
        parts.append(part)
    return " + ".join(parts)


def render_json(loaded: LoadedConfig, cwd: Optional[Path] = None) -> str:
    document: dict[str, Any] = {}
    for item in effective_values(loaded):
        entry: dict[str, Any] = {"value": item.value, "source": display_source(item.source, cwd)}
        if item.locked_by:
            entry["locked_by"] = list(item.locked_by)
        document[item.key] = entry
    return json.dumps(document, indent=2) + "\n"


def render_text(loaded: LoadedConfig, cwd: Optional[Path] = None) -> str:
    lines = ["# qgate effective configuration (qgate config --show)"]
    lines.append(f"# config file: {display_source(str(loaded.path), cwd) if loaded.path else DEFAULT_SOURCE + 's'}")
    if loaded.extends:
        lines.append(f"# extends (in order): {', '.join(display_source(e, cwd) for e in loaded.extends)}")
    lines.extend(_lock_summary(loaded, cwd))
    values = effective_values(loaded)
    tables: dict[tuple[str, ...], list[EffectiveValue]] = {}
    for item in values:
        table = item.path[:2] if item.path[:2] == ("gate", "conditions") else item.path[:-1]
        tables.setdefault(table, []).append(item)
    top = tables.pop((), [])
    lines.append("")
    lines.extend(_key_line(item, cwd) for item in top)
    for table, items in tables.items():
        if table == ("gate", "conditions"):
            continue  # written inside [gate]
        lines.append("")
        lines.append(f"[{join_key(table)}]")
        lines.extend(_key_line(item, cwd) for item in items)
        if table == ("gate",):
            lines.extend(_conditions(tables.get(("gate", "conditions"), []), loaded, cwd))
    if ("gate",) not in tables and ("gate", "conditions") in tables:  # pragma: no cover - gate.preset is always listed
        lines.extend(["", "[gate]", *_conditions(tables[("gate", "conditions")], loaded, cwd)])
    return "\n".join(lines) + "\n"


def _comment(item: EffectiveValue, cwd: Optional[Path]) -> str:
    text = f"# from: {display_source(item.source, cwd)}"
    if item.locked_by:
        text += f"; locked by {', '.join(item.locked_by)}"
    return text


def _key_line(item: EffectiveValue, cwd: Optional[Path]) -> str:
    name = quote_key(item.path[-1])
    if item.value is None:
        return f"# {name} is unset  {_comment(item, cwd)}"
    return f"{name} = {toml_value(item.value)}  {_comment(item, cwd)}"


def _conditions(items: list[EffectiveValue], loaded: LoadedConfig, cwd: Optional[Path]) -> list[str]:
    lines: list[str] = []
    if items and items[0].path == ("gate", "conditions"):  # no condition configured: the empty default
        lines.append(_key_line(items[0], cwd))
    elif items:
        lines.append("conditions = [")
        lines.extend(f"    {toml_value(item.value)},  {_comment(item, cwd)}" for item in items)
        lines.append("]")
    gate = loaded.settings.gate
    try:
        effective = effective_conditions(gate.preset, gate.conditions)
    except ConfigError as exc:
        return [*lines, f"# effective gate conditions: unavailable ({exc})"]
    shown = ", ".join(f"{c.metric} {c.op} {c.threshold:g}" for c in effective) or "none"
    return [*lines, f"# effective gate conditions (preset + conditions): {shown}"]


def _lock_summary(loaded: LoadedConfig, cwd: Optional[Path]) -> list[str]:
    tables = {kind: table for table, kind in LOCK_TABLE_KEYS.items()}
    by_source: dict[str, dict[str, list[str]]] = {}
    for lock in loaded.locks:
        by_source.setdefault(lock.source, {}).setdefault(tables[lock.kind], []).append(lock.item)
    return [
        f"# locked by {display_source(source, cwd)}: "
        + "; ".join(f"{table} {', '.join(items)}" for table, items in kinds.items())
        for source, kinds in by_source.items()
    ]


def toml_value(value: Any) -> str:
    """A JSON-mode value as TOML (strings, numbers, booleans, arrays, inline tables)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _toml_float(value)
    if isinstance(value, (int, str)):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{quote_key(str(k))} = {toml_value(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    if value is None:  # TOML has no null; only a preset given as a Python dict can hold one
        return '""'
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _toml_float(value: float) -> str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return repr(value)
