"""``qgate check``: analyze, gate, report. Exit 0 passed, 1 failed, 2 error."""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional, Sequence

from qgate.cli.newcode import environment, gate_config, plan_new_code
from qgate.cli.output import emit
from qgate.cli.progress import progress_bar, wanted
from qgate.config import LoadedConfig, find_config, load_config
from qgate.discovery import is_inside
from qgate.errors import UsageError
from qgate import git
from qgate.git import Commit, find_repo_root
from qgate.imports import IMPORT_KINDS, load_import
from qgate.metrics.coverage import CoverageData, load_coverage, merge_coverage
from qgate.metrics.hotspots import load_reviews
from qgate.model import NewCodeInfo, Report
from qgate.newcode.classify import NewCodeSpec
from qgate.pipeline import CheckRequest, StdinSource, run_check
from qgate.source import SourceDecodeError, decode_source
from qgate.reporters import text as text_reporter
from qgate.reporters.registry import REPORTERS, get_reporter

FORMATS = tuple(REPORTERS)


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("check", help="analyze files and evaluate the quality gate")
    parser.add_argument("paths", nargs="*", type=Path, help="files or directories (default: the whole repository)")
    parser.add_argument(
        "--format", choices=FORMATS, default=None, help="report format on stdout (default: text; json in editor mode)"
    )
    parser.add_argument("-o", "--output", type=Path, help="write the --format report to FILE instead of stdout")
    parser.add_argument(
        "--report", action="append", default=[], metavar="NAME=PATH", type=_report_spec,
        help=f"also write a report in format NAME to PATH (repeatable; formats: {', '.join(FORMATS)})",
    )
    parser.add_argument("--config", type=Path, help="config file (pyproject.toml or qgate.toml)")
    parser.add_argument("--no-color", action="store_true", help="never colour the text report")
    parser.add_argument("--no-cache", action="store_true", help="ignore and do not update .qgate/cache")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.add_argument(
        "--import", dest="imports", action="append", default=[], metavar="KIND=PATH", type=_import_spec,
        help="import findings from another tool: sarif=PATH (ruff, mypy, pylint, any SARIF 2.1.0) or generic=PATH",
    )
    parser.add_argument(
        "--ai-code", action="store_true", help="treat the change as AI-written: gate it with the ai preset (qgate-way-ai)"
    )
    history = parser.add_argument_group("history")
    history.add_argument("--record", action="store_true", help="store this analysis in the history (KPIs, dashboard)")
    history.add_argument("--database-url", metavar="URL", help="history store (default: QGATE_DATABASE_URL, else .qgate/history.db)")
    history.add_argument("--project", metavar="KEY", help="project key in the history (default: CI variables, remote, folder)")
    history.add_argument("--pull-request", metavar="N", type=int, help="record this analysis as pull request N (with --base)")
    editor = parser.add_argument_group("editor mode: qgate check --stdin-filename PATH -")
    editor.add_argument("--stdin-filename", metavar="PATH", help="analyze the source read from stdin as if it were PATH")
    editor.add_argument("--with-semgrep", action="store_true", help="in editor mode, run semgrep too (slower start)")
    parser.add_argument(
        "--coverage", action="append", default=[], type=Path, metavar="PATH",
        help="coverage report (coverage.py XML or JSON, LCOV; format detected from the content), repeatable",
    )
    new = parser.add_argument_group("new code")
    new.add_argument("--base", metavar="REF", help="new code is the diff from merge-base(REF, HEAD) to the working tree")
    new.add_argument("--baseline", metavar="FILE", type=Path, help="issues matching this baseline file are not new")
    new.add_argument("--all-files", action="store_true", help="analyze every file, not only the changed ones")
    new.add_argument(
        "--config-from-head", action="store_true",
        help="gate with the working tree's config even when the change modifies it (default: the reference's)",
    )


def analysis_root(paths: Sequence[Path]) -> Path:
    """The git repository holding the paths; outside git, the config's directory or the paths' common folder."""
    absolute = [(p if p.is_absolute() else Path.cwd() / p) for p in paths] or [Path.cwd()]
    for p in absolute:
        if not p.exists():
            raise UsageError(f"{p}: no such file or directory")
    start = absolute[0] if absolute[0].is_dir() else absolute[0].parent
    repo = find_repo_root(start)
    if repo is not None:
        return repo.resolve()
    config = find_config(start)
    if config is not None and all(is_inside(p.resolve(), config.parent.resolve()) for p in absolute):
        return config.parent.resolve()
    folders = [str((p if p.is_dir() else p.parent).resolve()) for p in absolute]
    return Path(os.path.commonpath(folders))


def resolve_config(explicit: Optional[Path], root: Path, paths: Sequence[Path]) -> LoadedConfig:
    if explicit is not None:
        return load_config(explicit)
    start = paths[0] if paths else Path.cwd()
    start = start if start.is_absolute() else Path.cwd() / start
    found = find_config(start.resolve(), stop=root) or find_config(root, stop=root)
    return load_config(found)


def read_coverage(root: Path, config: LoadedConfig, given: Sequence[Path]) -> Optional[CoverageData]:
    """Every coverage report from the command line and the config, merged; None without any."""
    settings = config.settings.coverage
    paths = [*given, *(root / p for p in settings.reports)]
    if not paths:
        return None
    return merge_coverage([load_coverage(p, root=root, source_roots=settings.source_roots) for p in paths])


def change_commits(root: Path, spec: NewCodeSpec) -> list[Commit]:
    """The commits of the change (merge base to HEAD), for AI trailers; none without a reference."""
    if spec.info.merge_base is None:
        return []
    return git.commits_since(root, spec.info.merge_base)


def exit_code(report: Report) -> int:
    return {"passed": 0, "failed": 1, "error": 2}[report.gate.status]


def _report_spec(value: str) -> tuple[str, Path]:
    name, sep, path = value.partition("=")
    if not sep or not path:
        raise argparse.ArgumentTypeError(f"expected NAME=PATH, got {value!r}")
    if name not in REPORTERS:
        raise argparse.ArgumentTypeError(f"unknown report format {name!r} (known formats: {', '.join(FORMATS)})")
    return name, Path(path)


def _import_spec(value: str) -> tuple[str, Path]:
    kind, sep, path = value.partition("=")
    if not sep or not path or kind not in IMPORT_KINDS:
        raise argparse.ArgumentTypeError(f"expected KIND=PATH with KIND one of {', '.join(IMPORT_KINDS)}, got {value!r}")
    return kind, Path(path)


def render(report: Report, fmt: str, color: bool) -> str:
    if fmt == "text":
        return text_reporter.render(report, color=color)
    return get_reporter(fmt)(report)


def stdin_request(args: argparse.Namespace) -> tuple[list[Path], Optional[StdinSource]]:
    """The paths to analyze, and the stdin buffer in editor mode (``--stdin-filename PATH -``)."""
    dash = [p for p in args.paths if str(p) == "-"]
    if args.stdin_filename is None:
        if dash:
            raise UsageError("reading source from stdin ('-') needs --stdin-filename PATH")
        return list(args.paths), None
    if len(args.paths) != 1 or not dash:
        raise UsageError("--stdin-filename takes exactly one path argument: '-'")
    named = Path(args.stdin_filename)
    named = named if named.is_absolute() else Path.cwd() / named
    root = analysis_root([named.parent if named.parent.exists() else Path.cwd()])
    try:
        rel = Path(os.path.normpath(named)).relative_to(root).as_posix()
    except ValueError:
        raise UsageError(f"--stdin-filename {args.stdin_filename}: outside the analysis root {root}") from None
    text = sys.stdin.buffer.read()
    try:
        decoded, _ = decode_source(text)
    except SourceDecodeError as exc:
        raise UsageError(f"stdin: {exc}") from None
    return [named.parent if named.parent.exists() else root], StdinSource(path=rel, text=decoded, with_semgrep=args.with_semgrep)


def record(args: argparse.Namespace, report: Report, root: Path, config: LoadedConfig, started: datetime) -> None:
    """Store the analysis when asked (--record or history.enabled); SQLAlchemy is only imported then."""
    settings = config.settings.history
    if not (args.record or settings.enabled):
        return
    from qgate.history.record import record_analysis

    config_hash = hashlib.sha256(config.settings.model_dump_json().encode()).hexdigest()[:16]
    record_analysis(
        report, root=root, url=args.database_url or os.environ.get("QGATE_DATABASE_URL"),
        project=args.project or settings.project, env=environment(), pull_request=args.pull_request,
        base=args.base, started_at=started, config_hash=config_hash,
    )


def run(args: argparse.Namespace) -> int:
    started = datetime.now(timezone.utc)
    args.paths, stdin = stdin_request(args)
    args.format = args.format or ("json" if stdin is not None else "text")
    root = analysis_root(args.paths)
    config = resolve_config(args.config, root, args.paths)
    if stdin is not None:  # an editor wants every issue of its buffer, judged by the working config
        spec, notes = NewCodeSpec(info=NewCodeInfo(mode="all", note="editor mode: the buffer read from stdin")), ()
    else:
        spec = plan_new_code(
            root, config, base=args.base, baseline=args.baseline, all_files=args.all_files, env=environment()
        )
        config, notes = gate_config(root, config, spec, args.config_from_head)
    reviews = load_reviews(root / config.settings.hotspot_reviews).reviews
    request = CheckRequest(
        root=root, paths=tuple(args.paths), config=config, new_code=spec, notes=notes, reviews=reviews,
        coverage=read_coverage(root, config, args.coverage), use_cache=not args.no_cache, stdin=stdin,
        imports=tuple(load_import(kind, path, root=root) for kind, path in args.imports),
        ai_code=args.ai_code, commits=tuple(change_commits(root, spec)),
    )
    with progress_bar(wanted(args.quiet)) as progress:
        report = run_check(request, progress)
    color = args.output is None and not args.no_color and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    if stdin is None:
        record(args, report, root, config, started)
    emit(render(report, args.format, color), args.output)
    for name, path in args.report:
        emit(render(report, name, False), path)
    for error in report.errors:
        if error.fatal:
            print(f"qgate: error: {error.analyzer}: {error.message}", file=sys.stderr)
    return exit_code(report)
