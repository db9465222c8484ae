"""``qgate review FINGERPRINT --status safe|fixed|to_review``: record a security hotspot review in the repo."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Sequence

from pydantic import ValidationError

from qgate.cli.check import analysis_root, resolve_config
from qgate.errors import InputError, UsageError
from qgate.metrics.hotspots import load_reviews, record_review, save_reviews
from qgate.model import Issue, IssueType, Report
from qgate.pipeline import CheckRequest, run_check


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("review", help="record the review of a security hotspot")
    parser.add_argument("fingerprint", help="the hotspot's fingerprint (a unique prefix is enough)")
    parser.add_argument("--status", required=True, choices=("safe", "fixed", "to_review"))
    parser.add_argument("--comment", default="", help="why: kept with the review")
    parser.add_argument("--report", type=Path, help="look the hotspot up in this JSON report instead of analyzing")
    parser.add_argument("--config", type=Path, help="config file (pyproject.toml or qgate.toml)")


def _issues_from_report(path: Path) -> Sequence[Issue]:
    try:
        return Report.model_validate(json.loads(path.read_text(encoding="utf-8"))).issues
    except FileNotFoundError:
        raise InputError(f"report not found: {path}") from None
    except (OSError, ValueError, ValidationError) as exc:
        first = str(exc).splitlines()[0]
        raise InputError(f"not a qgate JSON report: {path} ({first})") from None


def find_hotspot(issues: Sequence[Issue], fingerprint: str) -> Issue:
    matches = [i for i in issues if i.fingerprint.startswith(fingerprint)]
    if not fingerprint or not matches:
        raise UsageError(f"no issue with fingerprint {fingerprint!r} in the current analysis")
    if len(matches) > 1:
        raise UsageError(f"fingerprint prefix {fingerprint!r} is ambiguous ({len(matches)} issues): give more characters")
    (issue,) = matches
    if issue.type is not IssueType.SECURITY_HOTSPOT:
        raise UsageError(f"{fingerprint}: {issue.rule} at {issue.path}:{issue.line} is a {issue.type.value}, not a security hotspot")
    return issue


def run(args: argparse.Namespace) -> int:
    root = analysis_root([])
    config = resolve_config(args.config, root, [])
    if args.report is not None:
        issues = _issues_from_report(args.report)
    else:
        issues = run_check(CheckRequest(root=root, config=config)).issues
    hotspot = find_hotspot(issues, args.fingerprint)
    target = root / config.settings.hotspot_reviews
    save_reviews(target, record_review(load_reviews(target), hotspot, args.status, args.comment))
    print(f"qgate: {hotspot.rule} at {hotspot.path}:{hotspot.line} marked {args.status} in {target}", file=sys.stderr)
    return 0
