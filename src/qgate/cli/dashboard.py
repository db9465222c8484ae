"""``qgate dashboard -o DIR``: a static, self-contained HTML site over the history store.

``DIR/index.html`` holds one card per project; ``DIR/projects/<project>.html`` a project's KPIs, gate
history, issue trend by type, top rules and worst files. The pages need no network and no script: open
them from disk or publish the folder as CI artefacts. The store is ``--database-url`` or
``QGATE_DATABASE_URL``, else the SQLite file ``.qgate/history.db`` of the repository (of the current folder
outside git). Every project of the store is shown unless ``--project`` names one.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from qgate.errors import UsageError
from qgate.git import find_repo_root


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("dashboard", help="write a static HTML dashboard of the recorded analyses")
    parser.add_argument("-o", "--output", metavar="DIR", type=Path, required=True, help="folder to write the site to")
    parser.add_argument(
        "--database-url", metavar="URL", default=None,
        help="history store (postgresql://... or a SQLite path; default: $QGATE_DATABASE_URL, else .qgate/history.db)",
    )
    parser.add_argument("--project", help="only this project (default: every project in the store)")
    parser.add_argument("--since", metavar="WHEN", help="only analyses since WHEN: 90d, 12w, 48h or an ISO date")
    parser.add_argument(
        "--main-branch", metavar="NAME",
        help="the branch KPIs and trends follow (default: main, or master when only it has analyses)",
    )


def _root() -> Path:
    cwd = Path.cwd()
    top = find_repo_root(cwd)
    return (top or cwd).resolve()


def run(args: argparse.Namespace) -> int:
    from qgate.atomic import atomic_write
    from qgate.history.dashboard.data import load_dashboard
    from qgate.history.dashboard.render import render_site
    from qgate.history.kpis import parse_since
    from qgate.cli.history import configured_main_branch
    from qgate.history.store import open_store

    output: Path = args.output
    if output.exists() and not output.is_dir():
        raise UsageError(f"--output {output}: not a folder")
    started = time.monotonic()
    now = datetime.now(timezone.utc)
    since = parse_since(args.since, now)
    url = args.database_url or os.environ.get("QGATE_DATABASE_URL") or None
    project = args.project.strip() if args.project and args.project.strip() else None
    with open_store(url, _root(), create=False) as store:
        main_branch = args.main_branch or configured_main_branch(_root())
        data = load_dashboard(store, now=now, project=project, since=since, main_branch=main_branch)
    site = render_site(data)
    for relative, content in sorted(site.items()):
        atomic_write(output / relative, content, what="dashboard page", make_parents=True)
    elapsed = time.monotonic() - started
    print(
        f"qgate: dashboard of {len(data.projects)} project(s) written to {output / 'index.html'} ({elapsed:.1f}s)",
        file=sys.stderr,
    )
    return 0
