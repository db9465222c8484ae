from __future__ import annotations

import libcst as cst

from qgate.analyzers.cst.rule import CstRule, Invalid, Valid
from qgate.model import IssueType, Severity


def reraises(body: cst.BaseSuite) -> bool:
    """True when a bare ``raise`` appears in ``body`` outside nested functions and classes."""
    finder = _BareRaiseFinder()
    body.visit(finder)
    return finder.found


class _BareRaiseFinder(cst.CSTVisitor):
    def __init__(self) -> None:
        self.found = False

    def visit_Raise(self, node: cst.Raise) -> bool:
        if node.exc is None:
            self.found = True
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False


class BareExcept(CstRule):
    """Bare ``except:`` clauses should not be used.

    A bare ``except:`` catches every exception, including ``SystemExit`` and ``KeyboardInterrupt``,
    so it can turn Ctrl-C or ``sys.exit()`` into a silently ignored error and hides bugs. Catch the
    exceptions you expect (``except ValueError:``), or ``except Exception:`` at an application's
    boundary.

    A bare ``except:`` whose body re-raises with a bare ``raise`` (cleanup-then-propagate) is not
    reported. Equivalent to pylint W0702 / ruff E722 / SonarQube S5754.
    """

    id = "QG101"
    name = "bare-except"
    type = IssueType.CODE_SMELL
    severity = Severity.CRITICAL
    effort_minutes = 5
    cwe = (396,)
    tags = ("error-handling", "pitfall")

    VALID = [
        Valid(
            """
            try:
                run()
            except ValueError:
                pass
            """
        ),
        Valid(
            """
            try:
                run()
            except:
                cleanup()
                raise
            """
        ),
        Valid(
            """
            try:
                run()
            except* (OSError, ValueError):
                log()
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            try:
                run()
            except:
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
                except ValueError:
                    pass
                except:  # fallback
                    def inner():
                        raise
                    log(inner)
            """,
            line=6,
            column=5,
        ),
    ]

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.type is None and not reraises(node.body):
            self.report(node, "Specify an exception class to catch, or re-raise the exception.")
