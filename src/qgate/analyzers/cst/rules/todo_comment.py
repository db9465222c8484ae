from __future__ import annotations

import re

import libcst as cst

from qgate.analyzers.cst.rule import CstRule, Invalid, Valid
from qgate.model import IssueType, Severity

# a tag is a whole word: "TODO:" and "(todo)" match, "todos", "mastodon" and "TODO_LIST" do not
TODO_RE = re.compile(r"(?<![A-Za-z0-9_])TODO(?![A-Za-z0-9_])", re.IGNORECASE)


class TodoComment(CstRule):
    """``TODO`` comments should be tracked and resolved.

    A ``TODO`` comment marks work that was left undone; left in the code it tends to be forgotten.
    Do the work, or move it to the issue tracker. The tag is matched as a whole word, in any case
    (``TODO``, ``todo:``, ``(Todo)``). Like SonarQube S1135.
    """

    id = "QG109"
    name = "todo-comment"
    type = IssueType.CODE_SMELL
    severity = Severity.INFO
    effort_minutes = 0
    cwe = (546,)
    tags = ("cwe",)

    VALID = [
        Valid(
            """
            todo = load_todos()  # the todos list, see TODO_LIST in settings
            """
        ),
        Valid(
            '''
            def f():
                """TODO in a docstring is documentation, not a comment."""
                return "TODO"  # Mastodon handle
            '''
        ),
    ]
    INVALID = [
        Invalid(
            """
            # TODO: split this module
            import os
            """,
            line=1,
            column=1,
        ),
        Invalid(
            """
            def f(
                a,  # todo(bob) rename
            ):
                return a  # see (TODO)
            """,
            line=2,
            column=9,
            more=((4, 15),),
        ),
    ]

    def visit_Comment(self, node: cst.Comment) -> None:
        if TODO_RE.search(node.value):
            self.report(node, "Complete the task associated with this TODO comment.")
