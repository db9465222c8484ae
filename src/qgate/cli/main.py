"""``qgate`` command line: argument parsing, exit codes, and the one place exceptions are caught."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from contextlib import contextmanager
from typing import Iterator, Optional, Sequence

from qgate import __version__
from qgate.cli import baseline, check, config_cmd, dashboard, explain, history, init, review, rules, schema
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
    "history": history,
    "dashboard": dashboard,
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


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so that it takes Ctrl-C's clean path (scanners and workers stopped,
    temporary files removed, no partial report, baseline or cache file)."""


EXIT_SIGINT, EXIT_SIGTERM = 128 + signal.SIGINT, 128 + signal.SIGTERM


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM into :class:`Terminated` while qgate runs (unless SIGTERM is ignored or handled already)."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) != signal.SIG_DFL:
        yield
        return

    def terminated(signum: int, frame: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # one clean-up is enough
        raise Terminated()

    signal.signal(signal.SIGTERM, terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    try:
        with _sigterm_as_interrupt():
            args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
            if not args.command:
                parser.print_help(sys.stderr)
                return EXIT_ERROR
            return int(SUBCOMMANDS[args.command].run(args))
    except QgateError as exc:
        print(f"qgate: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except Terminated:
        print("qgate: terminated (SIGTERM)", file=sys.stderr)
        return EXIT_SIGTERM
    except KeyboardInterrupt:
        print("qgate: interrupted", file=sys.stderr)
        return EXIT_SIGINT
    except Exception as exc:  # noqa: BLE001 - no traceback ever reaches a user
        if os.environ.get("QGATE_DEBUG"):
            raise
        first = str(exc).splitlines()[0] if str(exc) else ""
        print(f"qgate: internal error: {type(exc).__name__}: {first} (set QGATE_DEBUG=1 for details)", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
