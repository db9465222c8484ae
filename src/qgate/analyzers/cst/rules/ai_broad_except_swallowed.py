from __future__ import annotations

import re
from typing import Optional, Union

import libcst as cst

from qgate.analyzers.cst.rule import CstRule, Invalid, Valid, dotted_name, small_statements
from qgate.analyzers.cst.rules._ai import AI_TAG, suite_comments
from qgate.model import IssueType, Severity

_BROAD = frozenset({"Exception", "BaseException"})
# Calls that report the failure somewhere: logging, warnings, traceback, error trackers, exiting.
_REPORTING_CALL = re.compile(
    r"(?:^|\.)(?:log|debug|info|warning|warn|error|exception|critical|fatal|print_exc|print_exception|format_exc|"
    r"capture_exception|capture_message|captureException|notify|report|report_exception|exit|_exit|abort|fail|skip|"
    r"print|echo|secho|write|set_exception|send_error|exc_info)$"
)
MIN_EXPLANATION_WORDS = 5


def _handler_names(handler: Union[cst.ExceptHandler, cst.ExceptStarHandler]) -> list[str]:
    kind = handler.type
    if kind is None:
        return []
    elements = [e.value for e in kind.elements] if isinstance(kind, cst.Tuple) else [kind]
    return [dotted_name(e).rsplit(".", 1)[-1] for e in elements]


def _is_noop(statement: cst.BaseSmallStatement) -> bool:
    if isinstance(statement, cst.Pass):
        return True
    return isinstance(statement, cst.Expr) and isinstance(
        statement.value, (cst.Ellipsis, cst.SimpleString, cst.ConcatenatedString)
    )


class _HandlerUse(cst.CSTVisitor):
    """Does a handler body re-raise, report, or use the caught exception?"""

    def __init__(self, bound: Optional[str]) -> None:
        super().__init__()
        self.bound = bound
        self.handled = False

    def visit_Raise(self, node: cst.Raise) -> Optional[bool]:
        self.handled = True
        return False

    def visit_Call(self, node: cst.Call) -> None:
        if _REPORTING_CALL.search(dotted_name(node.func)) or (
            isinstance(node.func, cst.Attribute) and _REPORTING_CALL.search("." + node.func.attr.value)
        ):
            self.handled = True

    def visit_Name(self, node: cst.Name) -> None:
        if self.bound is not None and node.value == self.bound:
            self.handled = True

    def visit_FunctionDef(self, node: cst.FunctionDef) -> Optional[bool]:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> Optional[bool]:
        return False


class BroadExceptSwallowed(CstRule):
    """A broad ``except Exception`` should not hide failures behind a default.

    A handler of ``Exception`` (or ``BaseException``) that neither re-raises, nor logs or reports, nor
    even looks at the exception, and carries on with a default value (``return None``, ``return []``,
    ``continue``, ``result = {}``), turns every bug inside the ``try`` (a typo, a ``KeyError``, a
    failed connection) into a silent wrong answer. Coding assistants wrap code in such handlers to
    make it "robust". Catch the specific exceptions you expect, and log or re-raise the others.

    Not reported here: handlers that only ``pass`` (QG102 exception-swallowed) and bare ``except:``
    (QG101 bare-except); handlers that re-raise, that call a logging/reporting/exit function
    (``logger.exception``, ``warnings.warn``, ``traceback.print_exc``, ``sentry_sdk.capture_exception``,
    ``sys.exit``, ``print``, ``sys.exc_info()``...) or that use the exception (``except Exception as exc:
    errors.append(exc)``), and handlers whose comment explains the choice (five words or more, as in
    ``# templates must not raise while rendering: show nothing``).
    """

    id = "QGA105"
    name = "broad-except-swallowed"
    type = IssueType.CODE_SMELL
    severity = Severity.MAJOR
    effort_minutes = 10
    cwe = (396, 390)
    tags = (AI_TAG, "error-handling")

    VALID = [
        Valid(
            """
            try:
                value = compute()
            except Exception:
                logger.exception("compute failed")
                value = None

            try:
                value = compute()
            except Exception as exc:
                raise ServiceError("compute failed") from exc
            """
        ),
        Valid(
            """
            for item in items:
                try:
                    handle(item)
                except Exception as exc:
                    failures.append((item, exc))
                except BaseException:
                    pass
            try:
                value = int(text)
            except ValueError:
                value = 0
            try:
                label = render(value)
            except Exception:
                # templates must never raise while rendering: show nothing
                label = ""
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            def fetch_price(symbol):
                try:
                    return api.quote(symbol)["price"]
                except Exception:
                    return None
            """,
            line=4,
            column=5,
        ),
        Invalid(
            """
            for row in rows:
                try:
                    totals[row.key] += row.amount
                except (KeyError, Exception) as e:
                    continue
            try:
                config = load()
            except BaseException:  # fallback
                config = {}
            """,
            line=4,
            column=5,
            more=((8, 1),),
        ),
    ]

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self._check(node)

    def visit_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> None:
        self._check(node)

    def _check(self, node: Union[cst.ExceptHandler, cst.ExceptStarHandler]) -> None:
        names = _handler_names(node)
        if not any(name in _BROAD for name in names):
            return
        statements = small_statements(node.body)
        if statements is not None and all(_is_noop(s) for s in statements):
            return  # QG102's
        if any(len(c.lstrip("#").split()) >= MIN_EXPLANATION_WORDS for c in suite_comments(node.body)):
            return  # explained: "# Some backends raise on invalid keys: reset the session (#17810)."
        bound = node.name.name.value if node.name is not None and isinstance(node.name.name, cst.Name) else None
        use = _HandlerUse(bound)
        node.body.visit(use)
        if use.handled:
            return
        caught = next(name for name in names if name in _BROAD)
        self.report(
            node,
            f"This handler catches every {caught} and carries on without re-raising, logging or using it: "
            "catch the specific exceptions expected, and log or re-raise the rest.",
        )
