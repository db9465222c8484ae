"""``qgate history list|kpis|migrate``: read the analyses recorded by ``qgate check --record``.

The store is ``--database-url`` or ``QGATE_DATABASE_URL`` (``postgresql://...``), else the SQLite file
``.qgate/history.db`` of the repository (of the current folder outside git). The project is ``--project``,
else the current repository's key; outside a repository (or with ``--all-projects``) every project in
the store, rolled up.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

from qgate.cli.output import emit
from qgate.errors import UsageError
from qgate.git import find_repo_root

FORMATS = ("text", "json")


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("history", help="recorded analyses, issue lifecycle KPIs, store migrations")
    commands = parser.add_subparsers(dest="history_command", metavar="SUBCOMMAND", parser_class=type(parser))
    commands.required = True

    def common(p: argparse.ArgumentParser, *, scoped: bool = True) -> None:
        p.add_argument(
            "--database-url", metavar="URL", default=None,
            help="history store (postgresql://... or a SQLite path; default: $QGATE_DATABASE_URL, else .qgate/history.db)",
        )
        if scoped:
            p.add_argument("--format", choices=FORMATS, default="text")
            p.add_argument("--project", help="project key (default: the current repository's; outside one, every project)")
            p.add_argument("--all-projects", action="store_true", help="every project in the store, rolled up")
            p.add_argument("--branch", help="only this branch")

    listing = commands.add_parser("list", help="the recorded analyses, newest first")
    common(listing)
    listing.add_argument("--limit", type=_positive, default=50, help="at most N analyses (default 50)")

    kpis = commands.add_parser("kpis", help="pass rates, issue lifecycle, MTTR, escape rate, durations")
    common(kpis)
    kpis.add_argument("--since", metavar="WHEN", help="only analyses since WHEN: 90d, 12w, 48h or an ISO date")
    kpis.add_argument("--main-branch", metavar="NAME", help="the main branch (default: main, or master when only it has analyses)")
    kpis.add_argument("--trend", choices=("analysis", "day"), default="analysis", help="security trend: a point per analysis or per day")

    migrate = commands.add_parser("migrate", help="create the store or upgrade its schema to this qgate's version")
    common(migrate, scoped=False)


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}")
    return number


def _root() -> tuple[Path, bool]:
    """The repository holding the current folder (True), else the current folder (False)."""
    cwd = Path.cwd()
    top = find_repo_root(cwd)
    return ((top.resolve(), True) if top is not None else (cwd.resolve(), False))


def _url(args: argparse.Namespace) -> Optional[str]:
    return args.database_url or os.environ.get("QGATE_DATABASE_URL") or None


def _project(args: argparse.Namespace, root: Path, in_repo: bool) -> Optional[str]:
    if args.project and args.all_projects:
        raise UsageError("--project and --all-projects exclude each other")
    if args.project:
        return str(args.project)
    if args.all_projects or not in_repo:
        return None
    from qgate.history.record import default_project

    return default_project(root, os.environ)


def _dump(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=False, default=str) + "\n"


def _when(moment: Optional[datetime]) -> str:
    return "-" if moment is None else moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M")


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------- list


def _run_list(args: argparse.Namespace) -> int:
    from qgate.history.store import open_store

    root, in_repo = _root()
    project = _project(args, root, in_repo)
    with open_store(_url(args), root, create=False) as store:
        records = store.list_analyses(project, args.branch, args.limit)
    if args.format == "json":
        emit(_dump([r.model_dump(mode="json") for r in records]), None)
        return 0
    if not records:
        scope = f"project {project}" if project else "the store"
        emit(f"no analyses recorded in {scope}" + (f" on branch {args.branch}" if args.branch else "") + "\n", None)
        return 0
    rows = [
        [
            str(r.id), _when(r.started_at), r.project, r.branch, f"#{r.pull_request}" if r.pull_request else "",
            (r.commit or "")[:12], r.gate_status, str(r.issue_count), f"{r.duration_seconds:.1f}s",
        ]
        for r in records
    ]
    emit(_table(["id", "started (UTC)", "project", "branch", "PR", "commit", "gate", "issues", "duration"], rows), None)
    return 0


# ---------------------------------------------------------------------------------------------- kpis


def _pct(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.1f}%"


def _hours(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.1f} h"


def _secs(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.2f}s"


def _header(k: Any) -> list[str]:
    scope = ", ".join(k.projects) if k.projects else "(no analyses)"
    since = f" since {_when(k.since)}" if k.since else ""
    branch = f", branch {k.branch}" if k.branch else ""
    out = [f"History KPIs: {scope}{branch}{since}; main branch {k.main_branch}", f"Analyses: {k.analyses}", "Quality gate pass rate:"]
    rates = (("overall", k.pass_rate.overall), ("main branch", k.pass_rate.main_branch), ("pull requests", k.pass_rate.pull_requests))
    out += [f"  {label:<14} {_pct(rate.percent):>7}  ({rate.passed}/{rate.total})" for label, rate in rates]
    return out


def _branch_table(k: Any) -> list[str]:
    if not k.branches:
        return ["Issues per branch:", "  -"]
    rows = [
        [b.project, b.branch, str(b.analyses), str(b.opened), str(b.fixed), str(b.reopened), str(b.open), str(b.baseline)]
        for b in k.branches
    ]
    table = _table(["project", "branch", "analyses", "opened", "fixed", "reopened", "open", "baseline"], rows)
    return ["Issues per branch:", *(f"  {line}" for line in table.splitlines())]


def _remediation(k: Any) -> list[str]:
    groups = [{"all": k.mttr.overall}, k.mttr.by_type, k.mttr.by_severity]
    out = [f"Time to remediation on {k.lifecycle_branch} (mean / median):"]
    for group in groups:
        out += [
            f"  {name:<18} {_hours(r.mean_hours):>10} / {_hours(r.median_hours):<10} ({r.count} fixed)"
            for name, r in group.items()
        ]
    return out


def _over_time(k: Any) -> list[str]:
    e, d = k.escape_rate, k.duration_seconds
    out = [
        f"Defect escape rate on {k.main_branch}: {_pct(e.percent)} ({e.escaped} of {e.total} new issues not seen in a pull request)",
        f"Analysis duration: p50 {_secs(d.p50)}, p90 {_secs(d.p90)}, p95 {_secs(d.p95)} ({d.count} analyses)",
        f"New issues per week on {k.lifecycle_branch}:",
        *(f"  {w.week}  {w.count}" for w in k.new_issues_per_week),
    ]
    if not k.new_issues_per_week:
        out.append("  -")
    out.append(f"Open vulnerabilities / security hotspots on {k.lifecycle_branch}:")
    several = len(k.projects) > 1
    out += [
        f"  {_when(p.at)}  {p.vulnerabilities:>4} / {p.security_hotspots:<4} {(p.commit or '')[:12]}"
        + (f"  {p.project}" if several else "")
        for p in k.security_trend
    ]
    if not k.security_trend:
        out.append("  -")
    return out


def render_kpis(k: Any) -> str:
    """The text form of :class:`qgate.history.kpis.Kpis`."""
    return "".join(f"{line}\n" for line in (*_header(k), *_branch_table(k), *_remediation(k), *_over_time(k)))


def configured_main_branch(root: Path) -> Optional[str]:
    """``[tool.qgate.history] main_branch`` of the repository's configuration, if set."""
    from qgate.cli.check import resolve_config

    return resolve_config(None, root, []).settings.history.main_branch


def _run_kpis(args: argparse.Namespace) -> int:
    from qgate.history.kpis import compute_kpis, infer_main_branch, parse_since
    from qgate.history.store import open_store

    root, in_repo = _root()
    project = _project(args, root, in_repo)
    since = parse_since(args.since, datetime.now(timezone.utc))
    with open_store(_url(args), root, create=False) as store:
        history = store.load_history(project)
    result = compute_kpis(
        history,
        main_branch=args.main_branch or configured_main_branch(root) or infer_main_branch(history),
        branch=args.branch,
        since=since,
        trend=args.trend,
    )
    emit(_dump(result.model_dump(mode="json")) if args.format == "json" else render_kpis(result), None)
    return 0


# ---------------------------------------------------------------------------------------------- migrate


def _run_migrate(args: argparse.Namespace) -> int:
    from qgate.history.store import Store, make_engine

    root, _ = _root()
    with Store(make_engine(_url(args), root)) as store:
        before, after = store.ensure_schema(migrate=True)
        label = store.label
    if before is None:
        message = f"history store {label} created at schema version {after}"
    elif before == after:
        message = f"history store {label} is at schema version {after}: nothing to do"
    else:
        message = f"history store {label} upgraded from schema version {before} to {after}"
    print(f"qgate: {message}", file=sys.stderr)
    return 0


def run(args: argparse.Namespace) -> int:
    return {"list": _run_list, "kpis": _run_kpis, "migrate": _run_migrate}[args.history_command](args)
