"""``qgate`` command line: argument parsing, exit codes, and the one place exceptions are caught."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Optional, Sequence

from qgate import __version__
from qgate.cli import baseline, check, config_cmd, explain, init, review, rules, schema
from qgate.errors import QgateError

EXIT_PASSED, EXIT_FAILED, EXIT_ERROR = 0, 1, 2

SUBCOMMANDS = {
    "check": check,
    "baseline": baseline,
    "review": review,
    "rules": rules,
    "explain": explain,
    "init": init,
    "config": config_cmd,
    "schema": schema,
}


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors exit 2 with one line (argparse's default is already 2; keep it terse)."""

    def error(self, message: str) -> "NoReturn":  # type: ignore[name-defined]  # noqa: F821
        self.exit(EXIT_ERROR, f"qgate: error: {message} (see 'qgate --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="qgate", description="A quality gate for Python: hold the line on new code.")
    parser.add_argument("--version", action="version", version=f"qgate {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, module in SUBCOMMANDS.items():
        module.add_parser(sub)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
        if not args.command:
            parser.print_help(sys.stderr)
            return EXIT_ERROR
        return int(SUBCOMMANDS[args.command].run(args))
    except QgateError as exc:
        print(f"qgate: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("qgate: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - no traceback ever reaches a user
        if os.environ.get("QGATE_DEBUG"):
            raise
        first = str(exc).splitlines()[0] if str(exc) else ""
        print(f"qgate: internal error: {type(exc).__name__}: {first} (set QGATE_DEBUG=1 for details)", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
