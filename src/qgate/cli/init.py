"""``qgate init``: write a commented starter configuration that changes nothing until it is edited.

By default the ``[tool.qgate]`` table is appended to ``pyproject.toml`` in the current directory when that
file exists and has no such table; otherwise ``qgate.toml`` is written. An existing file is never replaced
without ``--force``, and an existing ``[tool.qgate]`` table in a pyproject.toml is never rewritten at all.
Every value written is qgate's default (taken from :class:`~qgate.config.Settings`, so the file cannot drift
from the code), and the result is validated with the real loader before anything touches the disk.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Optional

from qgate.atomic import atomic_write
from qgate.config import CONFIG_FILES, Settings, parse_settings, table_from_document, tomllib
from qgate.errors import ConfigError, UsageError

PYPROJECT = "pyproject.toml"
STANDALONE = "qgate.toml"


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "init",
        help="write a commented starter configuration",
        description="Append a [tool.qgate] table to ./pyproject.toml (when it has none), or write ./qgate.toml. "
        "Every value written is the default: the file changes nothing until you edit it.",
    )
    parser.add_argument(
        "-o", "--output", type=Path,
        help="file to write (a file named pyproject.toml gets a [tool.qgate] table appended)",
    )
    parser.add_argument("--force", action="store_true", help="replace an existing qgate.toml-style file")


def _toml(value: Any) -> str:
    """A TOML literal for the simple values the template holds (strings, numbers, booleans, lists)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    raise ConfigError(f"internal: no TOML literal for the default {value!r}")


def _commented_list(key: str, values: tuple[str, ...], width: int = 100) -> str:
    """``# key = [`` ... ``# ]`` with the values wrapped, for a default too long for one line."""
    lines, current = [f"# {key} = ["], "#   "
    for value in values:
        item = _toml(value) + ","
        if len(current) + len(item) + 1 > width and current.strip() != "#":
            lines.append(current.rstrip())
            current = "#   "
        current += item + " "
    lines.append(current.rstrip())
    lines.append("# ]")
    return "\n".join(lines)


def template(prefix: str) -> str:
    """The starter configuration. ``prefix`` is ``"tool.qgate"`` (pyproject.toml) or ``""`` (qgate.toml)."""
    d = Settings()

    def table(name: str) -> str:
        return f"[{prefix}.{name}]" if prefix else f"[{name}]"

    head = f"[{prefix}]\n" if prefix else ""
    # Built in sections: bandit's B608 reads one string holding "select" ... "from" as SQL.
    sections = [
        f"""\
# qgate configuration: every value below is the default, so this file changes nothing until you edit it.
# `qgate rules` lists every rule, `qgate explain RULE` shows one rule's documentation.
{head}
# Files to analyze (gitignore-style patterns).
include = {_toml(d.include)}
# Never analyzed; the default is VCS, virtualenv, cache and build folders. Prefer extend_exclude, which adds
# to this list instead of replacing it:
{_commented_list("exclude", d.exclude)}
# Added to exclude; applies to files named on the command line too. Example: ["migrations/", "docs/conf.py"]
extend_exclude = {_toml(d.extend_exclude)}
# Skip the files git ignores.
respect_gitignore = {_toml(d.respect_gitignore)}
# Bigger files are skipped and listed in the report's skipped[].
max_file_size_kb = {_toml(d.max_file_size_kb)}
# Time limit of one scanner run (bandit, semgrep), in seconds.
timeout_seconds = {_toml(d.timeout_seconds)}
# Worker processes for the per-file analyzers (cst, radon); 0: one per core.
jobs = {_toml(d.jobs)}
# Reuse per-file results from .qgate/cache when a file, qgate and the rules are unchanged (--no-cache: off).
cache = {_toml(d.cache)}
# Where `qgate review` records security hotspot reviews (relative to the repository root; commit it).
hotspot_reviews = {_toml(d.hotspot_reviews)}
""",
        f"""\
# Rule ids, prefixes ("QG1"), globs or names to run; empty: every rule that is on by default.
select = {_toml(d.select)}
# Rules never to run, e.g. ["QG109", "B101"].
ignore = {_toml(d.ignore)}
""",
        f"""\

# Rules ignored under some paths: gitignore-style pattern = rule ids, prefixes or "ALL".
{table("per_path_ignores")}
# "tests/**" = ["QG108", "B101"]
# "scripts/*" = ["ALL"]

# One table per rule to change: enabled, severity (blocker, critical, major, minor, info) and options.
# {table("rules.QG114")}
# severity = "minor"
# options = {{ max = 9 }}

{table("analyzers")}
# Analyzers to run; add the names of installed plugins here.
enabled = {_toml(d.analyzers.enabled)}
# Analyzers whose failure is reported but does not make the gate status "error".
optional = {_toml(d.analyzers.optional)}

# Options of one analyzer, one table each:
# {table("analyzers.semgrep")}
# rules = ["tools/semgrep/"]    # your local rule files or folders (registry configs are refused)
# builtin_pack = true           # qgate's own QGS rules
# executable = "semgrep"        # a semgrep outside qgate's environment (path or name on PATH)
# {table("analyzers.bandit")}
# skips = ["B101"]              # bandit tests not to run
# python = "/opt/tools/bin/python"   # an interpreter with bandit installed (default: qgate's own)

{table("coverage")}
# Coverage reports (coverage.py XML or JSON, LCOV) read on every check besides --coverage, relative to the
# repository root. Example: ["coverage.xml"]
reports = {_toml(d.coverage.reports)}
# Prefixes to strip from the paths in the reports. Example: ["src"]
source_roots = {_toml(d.coverage.source_roots)}

{table("duplication")}
# Copy-paste detection, with SonarQube's thresholds for Python.
enabled = {_toml(d.duplication.enabled)}
# A duplicated block holds at least this many tokens...
min_tokens = {_toml(d.duplication.min_tokens)}
# ...over at least this many lines of code.
min_lines = {_toml(d.duplication.min_lines)}

{table("gate")}
# "qgate-way" (new_violations > 0, new_coverage < 80, new_duplicated_lines_density > 3,
# new_security_hotspots_reviewed < 100), "no-new-issues", or "" for only the conditions below.
preset = {_toml(d.gate.preset or "")}
# Extra conditions {{ metric, op (gt, lt, gte, lte, eq, ne), threshold }}; the gate fails when
# "actual op threshold" holds. A condition on a metric of the preset replaces the preset's. Example:
# conditions = [{{ metric = "new_bugs", op = "gt", threshold = 0 }}]
conditions = []
# Below this many new lines, the coverage and duplication conditions are ignored.
small_change_lines = {_toml(d.gate.small_change_lines)}

{table("new_code")}
# The git reference new code is compared with. Default: --base, then the CI's variables (GITHUB_BASE_REF,
# CI_MERGE_REQUEST_DIFF_BASE_SHA, CI_MERGE_REQUEST_TARGET_BRANCH_NAME), origin/HEAD, main, master.
# reference = "origin/main"

{table("ai")}
# AI Code Assurance: a change is gated with the preset below when a changed file matches these
# gitignore-style patterns, when a commit carries an AI trailer, or with --ai-code. Example: ["generated/**"]
paths = {_toml(d.ai.paths)}
# Extra assistant names or e-mails recognized in Co-authored-by trailers (the well-known ones are built in).
assistants = {_toml(d.ai.assistants)}
# Trailers that mark a commit as AI-written, whatever their value.
trailers = {_toml(d.ai.trailers)}
# The gate preset for AI-written changes (qgate-way plus: no new ai-pack issue, stricter complexity and
# duplication, overall security rating A and every hotspot reviewed).
preset = {_toml(d.ai.preset)}

{table("history")}
# Record every check in the history store, as with --record (the database URL comes from --database-url
# or QGATE_DATABASE_URL, never from this file: it may hold a password).
enabled = {_toml(d.history.enabled)}
# Project key; default: the CI's repository, the git remote, the folder name.
# project = "org/repo"
# The main branch for the KPIs; default: main, else master.
# main_branch = "main"
""",
    ]
    return "".join(sections)


def _validate(text: str, name: str) -> None:
    """The text must parse and load to exactly the defaults; anything else is a bug worth refusing to write."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{name}: the result would not be valid TOML ({exc}); nothing was written") from None
    table, prefix = table_from_document(data, Path(name))
    if parse_settings(table, name, prefix) != Settings():
        raise ConfigError(f"{name}: the starter configuration does not load to the defaults; nothing was written")


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None


def _has_qgate_table(text: str, path: Path) -> bool:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    tool = data.get("tool")
    return isinstance(tool, dict) and "qgate" in tool


def _append_to_pyproject(path: Path) -> str:
    existing = _read_text(path) if path.exists() else ""
    if _has_qgate_table(existing, path):
        raise UsageError(
            f"{path} already has a [tool.qgate] table (--force never rewrites it); edit it, or write a "
            "separate file with --output qgate.toml"
        )
    if existing:
        text = existing + ("" if existing.endswith("\n") else "\n") + "\n" + template("tool.qgate")
    else:
        text = template("tool.qgate")
    _validate(text, str(path))
    atomic_write(path, text, what="configuration", make_parents=True)
    return f"added a [tool.qgate] table to {path}"


def _write_standalone(path: Path, force: bool) -> str:
    if path.exists() and not force:
        raise UsageError(f"{path} already exists (use --force to replace it)")
    if path.is_dir():
        raise UsageError(f"{path} is a directory")
    text = template("")
    _validate(text, str(path))
    atomic_write(path, text, what="configuration", make_parents=True)
    return f"wrote {path}"


def target(output: Optional[Path], cwd: Path) -> Path:
    """Where ``qgate init`` writes: ``output``; else an existing qgate.toml/.qgate.toml (replaced only with
    --force); else pyproject.toml (a table is appended); else a new qgate.toml."""
    if output is not None:
        return output
    for name in CONFIG_FILES:
        if (cwd / name).exists():
            return cwd / name
    return cwd / STANDALONE


def run(args: argparse.Namespace) -> int:
    path = target(args.output, Path.cwd())
    if path.name == PYPROJECT:
        message = _append_to_pyproject(path)
    else:
        message = _write_standalone(path, args.force)
    print(f"qgate: {message}; every value is the default, edit it to change the gate", file=sys.stderr)
    return 0
