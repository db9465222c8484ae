from __future__ import annotations

import re

import libcst as cst

from qgate.analyzers.cst.rule import CstRule, Invalid, Valid
from qgate.model import IssueType, Severity

# FIXME in any case, XXX only in capitals (lower-case "xxx" is usually placeholder text); whole words
FIXME_RE = re.compile(r"(?<![A-Za-z0-9_])(?:(?i:FIXME)|XXX)(?![A-Za-z0-9_])")


class FixmeComment(CstRule):
    """``FIXME`` and ``XXX`` comments should be resolved.

    A ``FIXME`` (or ``XXX``) comment flags code the author knew to be wrong or fragile. Fix it, or move
    the problem to the issue tracker. ``FIXME`` is matched as a whole word in any case, ``XXX`` as a
    whole word in capitals. Like SonarQube S1134 (which reports FIXME as a major issue).
    """

    id = "QG110"
    name = "fixme-comment"
    type = IssueType.CODE_SMELL
    severity = Severity.MAJOR
    effort_minutes = 0
    cwe = (546,)
    tags = ("cwe",)

    VALID = [
        Valid(
            """
            phone = "xxx-xxx"  # format: xxx-xxx, see FIXMES.md
            """
        ),
        Valid(
            """
            # TODO: tracked by the todo-comment rule, not this one
            x = 1  # XXXL size
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            x = compute()  # FIXME: off by one
            """,
            line=1,
            column=16,
        ),
        Invalid(
            """
            def f():
                # XXX relies on dict order
                # fixme later
                return 1
            """,
            line=2,
            column=5,
            more=((3, 5),),
        ),
    ]

    def visit_Comment(self, node: cst.Comment) -> None:
        match = FIXME_RE.search(node.value)
        if match:
            tag = match.group(0).upper()
            self.report(node, f"Take the required action to fix the issue indicated by this {tag} comment.")
