from __future__ import annotations

import ast
import re
import textwrap
import warnings
from typing import Any, Optional

import libcst as cst

from qgate.analyzers.cst.rule import CstRule, Invalid, Valid
from qgate.analyzers.cst.rules._ai import AI_TAG
from qgate.model import IssueType, Severity

MIN_LINES = 3
_DIRECTIVE = re.compile(r"^#\s*(?:type:|noqa|pragma|fmt:|pylint:|mypy:|pyright:|isort:|nosec|nosemgrep|NOSONAR|qgate|-\*-|!)", re.I)
_LEGAL = re.compile(r"copyright|licen[cs]e|spdx|all rights reserved|\(c\)", re.I)
_CODE_STATEMENTS = (
    ast.Assign, ast.AugAssign, ast.Import, ast.ImportFrom, ast.Return, ast.Raise, ast.Delete, ast.If, ast.For,
    ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
    ast.Global, ast.Nonlocal, ast.Assert,
)  # fmt: skip


def _uncomment(comment: str) -> str:
    text = comment[1:]
    return text[1:] if text.startswith(" ") else text


def is_code(lines: list[str]) -> bool:
    """True when the uncommented lines parse as Python and hold at least one statement that is clearly
    code (an assignment, an import, a call, a control-flow statement...), not prose that happens to parse."""
    if any(line.lstrip().startswith((">>>", "...")) for line in lines):
        return False  # doctest examples are documentation
    source = textwrap.dedent("\n".join(lines))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences in commented strings
            tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    for statement in tree.body:
        if isinstance(statement, _CODE_STATEMENTS):
            return True
        if isinstance(statement, ast.AnnAssign) and statement.value is not None:
            return True
        if isinstance(statement, ast.Expr) and isinstance(statement.value, (ast.Call, ast.Await, ast.Yield)):
            if isinstance(statement.value, ast.Call) and not statement.value.args and not statement.value.keywords:
                continue  # "Foo()" alone reads as prose as easily as code
            return True
    return False


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _introduced_code(lines: list[str], skip: int) -> bool:
    """Code after ``skip`` lines of prose ("# Old version:"), at the prose's own indentation: an example
    indented under its introduction ("# For example:" then "#     x = f()") is documentation."""
    prose = [line for line in lines[:skip] if line.strip()]
    code = [line for line in lines[skip:] if line.strip()]
    if not prose or not code or min(_indent(c) for c in code) > min(_indent(p) for p in prose):
        return False
    return is_code(lines[skip:])


class CommentedOutCode(CstRule):
    """Sections of code should not be commented out.

    Three or more consecutive comment lines that parse as Python (and hold real statements:
    assignments, calls, imports, control flow) are dead code: nobody maintains them, they rot, and
    they make the reader wonder whether they should be restored. Coding assistants comment out the
    previous version instead of deleting it. Delete the block: version control keeps the history.

    A line or two of prose before the code (``# Old version:``) does not hide it, unless the code is
    indented under it (an example: ``# For example:`` then ``#     x = f()``). Not reported: prose
    (text that does not parse as Python, or parses only as names and annotations like ``Note: see
    below``), doctest examples (``>>>``), license headers, directives (``# type:``, ``# noqa``,
    ``# pragma``...), and blocks shorter than three lines. Like SonarQube S125.
    """

    id = "QGA108"
    name = "commented-out-code"
    type = IssueType.CODE_SMELL
    severity = Severity.MAJOR
    effort_minutes = 5
    tags = (AI_TAG, "unused")

    VALID = [
        Valid(
            """
            # Compute the totals per customer. The rates come from the
            # pricing service; when it is down we fall back on the cached
            # table (see pricing.fallback).
            totals = compute()
            """
        ),
        Valid(
            """
            def area(r):
                # Example:
                # >>> area(2)
                # 12.56
                return 3.14 * r * r

            # For example, a settings module may say:
            #     import re
            #     IGNORED = [re.compile(r"^/favicon.ico$")]

            # Copyright (c) 2024 Example Corp.
            # Licensed under the MIT license:
            # x = see_license()
            """
        ),
        Valid(
            """
            # old = compute()
            # new = old + 1
            value = 3
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            def total(items):
                # subtotal = 0
                # for item in items:
                #     subtotal += item.price
                return sum(i.price for i in items)
            """,
            line=2,
            column=5,
        ),
        Invalid(
            """
            import os
            # import requests
            # response = requests.get(URL, timeout=5)
            #
            # data = response.json()

            # Note: the helper is gone
            # helper.cleanup(data)
            # print(data)
            # return data
            """,
            line=2,
            column=1,
            more=((7, 1),),
        ),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._comments: list[cst.Comment] = []

    def visit_EmptyLine(self, node: cst.EmptyLine) -> None:
        if node.comment is not None:
            self._comments.append(node.comment)

    def leave_Module(self, original_node: cst.Module) -> None:
        for block in self._blocks():
            first, texts = block[0][1], [c.value.rstrip() for _, c in block]
            if any(_DIRECTIVE.match(t) for t in texts) or _LEGAL.search("\n".join(texts)):
                continue
            lines = [_uncomment(t) for t in texts]
            if sum(1 for line in lines if line.strip()) < MIN_LINES:
                continue
            if is_code(lines) or any(_introduced_code(lines, skip) for skip in (1, 2) if len(lines) - skip >= MIN_LINES):
                self.report(
                    first,
                    f"These {len(lines)} comment lines are commented-out code: delete them (version control keeps them).",
                )

    def _blocks(self) -> list[list[tuple[int, cst.Comment]]]:
        """Runs of full-line comments on consecutive lines, each comment with its line number."""
        located = self._locate()
        blocks: list[list[tuple[int, cst.Comment]]] = []
        for line, comment in located:
            if blocks and blocks[-1][-1][0] == line - 1:
                blocks[-1].append((line, comment))
            else:
                blocks.append([(line, comment)])
        return [b for b in blocks if len(b) >= MIN_LINES]

    def _locate(self) -> list[tuple[int, cst.Comment]]:
        """Line numbers of the recorded full-line comments, matched in order against the source lines
        that start with '#' (lines of multi-line strings that happen to start with '#' are skipped)."""
        result: list[tuple[int, cst.Comment]] = []
        pending = iter(self._comments)
        current: Optional[cst.Comment] = next(pending, None)
        for number, raw in enumerate(self.source_text.splitlines(), start=1):
            if current is None:
                break
            stripped = raw.strip()
            if stripped.startswith("#") and stripped == current.value.strip():
                result.append((number, current))
                current = next(pending, None)
        return result
