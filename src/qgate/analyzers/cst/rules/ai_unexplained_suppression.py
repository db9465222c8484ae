from __future__ import annotations

import re

import libcst as cst

from qgate.analyzers.cst.rule import CstRule, Invalid, Valid
from qgate.analyzers.cst.rules._ai import AI_TAG
from qgate.model import IssueType, Severity

# "type: ignore" or "pyright: ignore", then an optional [code], then what follows in the comment.
_TYPE_IGNORE = re.compile(r"#\s*(type|pyright):\s*ignore\b(\[[^\]]*\])?(.*)$")
# "noqa" not followed by ": CODE".
_NOQA = re.compile(r"#\s*noqa\b(?!\s*:\s*[A-Z]+[0-9]+)", re.IGNORECASE)
_REASON = re.compile(r"[A-Za-z]{3,}")


class UnexplainedSuppression(CstRule):
    """Checker suppressions should name what they silence, or say why.

    A blanket ``# type: ignore`` (no ``[error-code]``, no explanation after it) silences every type
    error on the line, including the ones introduced later; a bare ``# noqa`` (no codes) silences
    every linter rule. Coding assistants add them to make a check pass rather than fix the cause.
    Write the code (``# type: ignore[arg-type]``, ``# noqa: E501``), and say why when it is not obvious.

    Reported: ``# type: ignore`` and ``# pyright: ignore`` with neither a ``[code]`` nor a reason after
    them (``# type: ignore  # the stub is wrong`` or ``# type: ignore - stub is wrong`` are explained),
    and ``# noqa`` without codes, explained or not (use codes). Like ruff PGH003/PGH004.
    """

    id = "QGA109"
    name = "unexplained-suppression"
    type = IssueType.CODE_SMELL
    severity = Severity.MINOR
    effort_minutes = 2
    tags = (AI_TAG, "suppression")

    VALID = [
        Valid(
            """
            value = parse(text)  # type: ignore[arg-type]
            data = load()  # type: ignore  # the vendored stub declares the wrong return type
            long_line = "..."  # noqa: E501
            import helpers  # noqa: F401, E402 - re-exported
            x = f()  # pyright: ignore[reportGeneralTypeIssues]
            """
        ),
        Valid(
            """
            # Use "# type: ignore[code]" rather than a blanket ignore.
            s = "# noqa"
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            value = parse(text)  # type: ignore
            import helpers  # noqa
            """,
            line=1,
            column=22,
            more=((2, 17),),
        ),
        Invalid(
            """
            def handler(event):  # NOQA
                return event.data  # pyright: ignore
            """,
            line=1,
            column=22,
            more=((2, 24),),
        ),
    ]

    def visit_Comment(self, node: cst.Comment) -> None:
        text = node.value
        match = _TYPE_IGNORE.search(text)
        if match is not None and match.start() == 0:
            code, rest = match.group(2), match.group(3)
            if code is None and not _REASON.search(rest):
                self.report(node, f"This '{match.group(1)}: ignore' silences every error on the line: name the error code, or say why.")
                return
        noqa = _NOQA.search(text)
        if noqa is not None and (noqa.start() == 0 or text[: noqa.start()].rstrip().endswith(("#", "]"))):
            self.report(node, "This '# noqa' silences every rule on the line: list the codes (# noqa: E501).")
