"""``qgate schema``: print the JSON Schema of the JSON report, generated from the models."""

from __future__ import annotations

import argparse
from pathlib import Path

from qgate.cli.output import emit
from qgate.reporters import json as json_reporter


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("schema", help="print the JSON Schema of the JSON report")
    parser.add_argument("-o", "--output", type=Path, help="write to FILE instead of stdout")


def run(args: argparse.Namespace) -> int:
    emit(json_reporter.schema(), args.output)
    return 0
