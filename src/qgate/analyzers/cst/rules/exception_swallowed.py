from __future__ import annotations

from typing import Union

import libcst as cst

from qgate.analyzers.cst.rule import CstRule, Invalid, Valid, block_has_comment, small_statements
from qgate.model import IssueType, Severity


def _is_noop(statement: cst.BaseSmallStatement) -> bool:
    if isinstance(statement, cst.Pass):
        return True
    if isinstance(statement, cst.Expr):
        return isinstance(statement.value, (cst.Ellipsis, cst.SimpleString, cst.ConcatenatedString))
    return False


class ExceptionSwallowed(CstRule):
    """Exceptions should not be silently swallowed.

    An ``except`` clause whose body does nothing (only ``pass``, ``...`` or a bare string) hides the
    failure: nothing is logged, re-raised or handled, and the program goes on in an unknown state.
    Handle the exception, log it, re-raise it, or use ``contextlib.suppress(...)`` to make ignoring
    it explicit.

    A handler that holds a comment (on the ``except`` line or in its body) is considered
    deliberate and is not reported. Like bandit B110 / ruff S110 and SonarQube's rule on empty blocks
    (S108), which accepts an explaining comment.
    """

    id = "QG102"
    name = "exception-swallowed"
    type = IssueType.CODE_SMELL
    severity = Severity.MAJOR
    effort_minutes = 5
    cwe = (390,)
    tags = ("error-handling", "suspicious")

    VALID = [
        Valid(
            """
            try:
                run()
            except ValueError:
                log.exception("run failed")
            """
        ),
        Valid(
            """
            try:
                import simplejson as json
            except ImportError:  # optional speed-up, the stdlib json is fine
                pass
            """
        ),
        Valid(
            """
            try:
                run()
            except OSError:
                # the file may already be gone
                pass
            """
        ),
        Valid(
            """
            try:
                run()
            except OSError:
                raise
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            try:
                run()
            except ValueError:
                pass
            """,
            line=3,
            column=1,
        ),
        Invalid(
            """
            def f():
                try:
                    run()
                except (OSError, KeyError) as exc: ...
                except Exception:
                    "ignored"
                    pass
            """,
            line=4,
            column=5,
            more=((5, 5),),
        ),
    ]

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self._check(node)

    def visit_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> None:
        self._check(node)

    def _check(self, node: Union[cst.ExceptHandler, cst.ExceptStarHandler]) -> None:
        statements = small_statements(node.body)
        if not statements or not all(_is_noop(s) for s in statements):
            return
        if block_has_comment(node.body):
            return
        self.report(node, "Handle, log or re-raise this exception, or explain in a comment why it is ignored.")
