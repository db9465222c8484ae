"""``qgate baseline create|update``: snapshot the current issues so that only issues beyond them are new."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from qgate.cli.check import analysis_root, resolve_config
from qgate.newcode.baseline import load_baseline, update_baseline, write_baseline
from qgate.pipeline import CheckRequest, run_check

DEFAULT_PATH = Path(".qgate/baseline.json")


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("baseline", help="create or update a baseline of accepted issues")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=type(parser))
    for action, text in (
        ("create", "snapshot every current issue"),
        ("update", "drop the baseline's fixed issues (adds nothing)"),
    ):
        cmd = actions.add_parser(action, help=text)
        cmd.add_argument("paths", nargs="*", type=Path, help="files or directories (default: the whole repository)")
        cmd.add_argument("-o", "--output", type=Path, help=f"baseline file (default: {DEFAULT_PATH} in the root)")
        cmd.add_argument("--config", type=Path, help="config file (pyproject.toml or qgate.toml)")


def run(args: argparse.Namespace) -> int:
    root = analysis_root(args.paths)
    config = resolve_config(args.config, root, args.paths)
    target = args.output or root / DEFAULT_PATH
    previous = load_baseline(target) if args.action == "update" else None
    report = run_check(CheckRequest(root=root, paths=tuple(args.paths), config=config))
    fatal = [e for e in report.errors if e.fatal]
    if fatal:
        for error in fatal:
            print(f"qgate: error: {error.analyzer}: {error.message}", file=sys.stderr)
        print("qgate: error: baseline not written: an analyzer failed", file=sys.stderr)
        return 2
    target.parent.mkdir(parents=True, exist_ok=True)
    if previous is None:
        written = write_baseline(target, report.issues)
        print(f"qgate: baseline {target}: {len(written.issues)} issue(s)", file=sys.stderr)
    else:
        written = write_baseline(target, update_baseline(previous, report.issues))
        dropped = len(previous.issues) - len(written.issues)
        print(f"qgate: baseline {target}: {len(written.issues)} issue(s) kept, {dropped} fixed issue(s) dropped", file=sys.stderr)
    return 0
