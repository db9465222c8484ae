from __future__ import annotations

import re
from typing import Any, Optional

import libcst as cst

from qgate.analyzers.cst.rule import Invalid, Valid, decorator_names, dotted_name
from qgate.analyzers.cst.rules._ai import (
    AI_TAG,
    PLACEHOLDER_COMMENT,
    ContextTracking,
    constant_value,
    is_test_path,
    suite_comments,
)
from qgate.analyzers.cst.rules.empty_function_body import _EXEMPT_DECORATORS, is_protocol_class
from qgate.model import IssueType, Severity

# A docstring saying that doing nothing is the point.
_DELIBERATE_DOC = re.compile(
    r"\b(?:no-?op|do(?:es)?\s+nothing|nothing\s+to\s+do|intentionally|by\s+default|overrid|subclass|hook|"
    r"must\s+be\s+implemented|should\s+be\s+implemented|to\s+be\s+implemented\s+by|abstract|interface|"
    r"deprecated|not\s+supported|ignored?|discard|empty\s+implementation|\bdefault\b|\bno(?:body|thing)\b)",
    re.IGNORECASE,
)
# Functions whose only job is to say yes or no to something security-relevant.
_VERIFIER_NAME = re.compile(
    r"^_*(?:verify|validate|check|authenticate|authorize|is_valid|is_authenticated|is_authorized|is_allowed|"
    r"has_permission|has_access|can_access)",
)


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _docstring_text(statement: cst.BaseStatement) -> str:
    value = statement.body[0].value  # type: ignore[attr-defined]
    evaluated = value.evaluated_value if isinstance(value, cst.SimpleString) else None
    return evaluated if isinstance(evaluated, str) else ""


def _small(body: cst.BaseSuite) -> Optional[tuple[Optional[str], list[cst.BaseSmallStatement]]]:
    """(docstring, small statements after it) for a body made only of simple statements, else None."""
    if isinstance(body, cst.SimpleStatementSuite):
        return None, list(body.body)
    statements = list(body.body)
    doc = None
    if statements and _is_docstring(statements[0]):
        doc = _docstring_text(statements[0])
        statements = statements[1:]
    result: list[cst.BaseSmallStatement] = []
    for statement in statements:
        if not isinstance(statement, cst.SimpleStatementLine):
            return None
        result.extend(statement.body)
    return doc, result


def _raises_not_implemented(statement: cst.BaseSmallStatement) -> bool:
    if not isinstance(statement, cst.Raise) or statement.exc is None:
        return False
    exc = statement.exc.func if isinstance(statement.exc, cst.Call) else statement.exc
    return dotted_name(exc) in ("NotImplementedError", "NotImplemented")


class PlaceholderImplementation(ContextTracking):
    """Functions should be implemented, not left as placeholders.

    Code generators leave bodies that only look finished: a docstring describing what the function
    does followed by nothing (or ``pass``/``...``), ``raise NotImplementedError`` in a plain function,
    a ``# TODO: implement`` comment over ``pass``, or a body that returns a constant under a comment
    such as ``# placeholder`` / ``# for now``. A security check that ignores its arguments and
    returns ``True`` (``def verify_signature(payload, sig): return True``) is reported too. The code
    imports, type-checks and passes shallow tests, and does nothing.

    Not reported: abstract methods (``@abstractmethod``), ``@overload``\\ s, ``Protocol`` methods, stubs
    (``.pyi``), definitions under ``if TYPE_CHECKING:``, test files (their dummies are deliberate), a
    ``pass``-only body without docstring or comment (QG107's), ``raise NotImplementedError`` in a
    method (the usual "subclasses must override" idiom) unless a comment says it is unfinished, and
    docstring-only bodies whose docstring says doing nothing is intended (no-op, hook, override...).
    A method whose body is only a docstring (or docstring and ``pass``) is a documented hook and is
    not reported either, unless a comment marks it unfinished.
    """

    id = "QGA103"
    name = "placeholder-implementation"
    type = IssueType.BUG
    severity = Severity.MAJOR
    effort_minutes = 30
    tags = (AI_TAG, "unfinished")

    VALID = [
        Valid(
            """
            class Storage(abc.ABC):
                @abc.abstractmethod
                def save(self, data):
                    '''Persist data.'''

                def delete(self, name):
                    raise NotImplementedError("subclasses of Storage must provide delete()")

                def close(self):
                    '''Release resources; the default storage holds none.'''
                    pass

            @overload
            def f(x: int) -> int: ...

            def noop(*args):
                '''Do nothing: used as the default callback.'''
            """
        ),
        Valid(
            """
            def todo():
                pass

            def ready() -> bool:
                return True

            def verify_signature(payload, signature):
                return hmac.compare_digest(sign(payload), signature)
            """
        ),
        Valid(
            """
            def callback(event): ...
            def get_user(uid):
                '''Load a user.'''
            """,
            path="tests/test_users.py",
        ),
        Valid("def load(path: str) -> bytes: ...\n", path="pkg/io.pyi"),
    ]
    INVALID = [
        Invalid(
            '''
            def calculate_tax(order):
                """Compute the VAT of an order, per line, with the customer's country rate."""

            def send_email(to, subject, body):
                """Send an e-mail through the SMTP relay."""
                pass

            def parse(text):
                ...
            ''',
            line=1,
            column=5,
            more=((4, 5), (8, 5)),
        ),
        Invalid(
            """
            def refund(payment):
                raise NotImplementedError

            class Gateway:
                def charge(self, amount):
                    # TODO: implement the Stripe call
                    pass

                def rate(self, currency):
                    # placeholder until the FX service is wired
                    return 1.0

            def verify_token(token, secret):
                return True
            """,
            line=1,
            column=5,
            more=((5, 9), (9, 9), (13, 5)),
        ),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._scopes: list[str] = []  # "class", "protocol" or "function" for each enclosing scope
        self._skip_file = self.path.endswith(".pyi") or is_test_path(self.path)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._scopes.append("protocol" if is_protocol_class(node) else "class")

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._scopes.pop()

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        super().leave_FunctionDef(original_node)
        self._scopes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        super().visit_FunctionDef(node)
        enclosing = self._scopes[-1] if self._scopes else "module"
        self._scopes.append("function")
        if self._skip_file or self.in_type_checking or enclosing == "protocol":
            return
        if any(name in _EXEMPT_DECORATORS or name.endswith("overload") for name in decorator_names(node)):
            return
        message = self._placeholder(node, is_method=enclosing == "class")
        if message:
            self.report(node.name, f"Function '{node.name.value}' {message}: implement it or remove it.")

    def _placeholder(self, node: cst.FunctionDef, *, is_method: bool) -> Optional[str]:
        split = _small(node.body)
        if split is None:
            return None
        doc, statements = split
        comments = suite_comments(node.body)
        unfinished = any(PLACEHOLDER_COMMENT.search(c) for c in comments)
        if all(isinstance(s, cst.Pass) or _is_ellipsis(s) for s in statements):
            if unfinished:
                return "is a placeholder (its comment says it is unfinished)"
            if doc is None:
                if statements and all(_is_ellipsis(s) for s in statements) and not comments:
                    return "has only '...' as its body"
                return None  # pass-only: QG107; a comment explains the empty body
            if is_method or _DELIBERATE_DOC.search(doc) or comments:
                return None
            return "has a docstring but no body"
        if len(statements) == 1 and _raises_not_implemented(statements[0]):
            if unfinished or not is_method:
                return "only raises NotImplementedError"
            return None
        if len(statements) == 1 and isinstance(statements[0], cst.Return) and statements[0].value is not None:
            value = constant_value(statements[0].value)
            if value is None:
                return None
            if unfinished:
                return f"only returns {value} under a placeholder comment"
            if not is_method and value == "True" and _VERIFIER_NAME.match(node.name.value):
                params = [p.name.value for p in (*node.params.posonly_params, *node.params.params, *node.params.kwonly_params)]
                if params:
                    return "accepts anything: it ignores its arguments and returns True"
        return None


def _is_ellipsis(statement: cst.BaseSmallStatement) -> bool:
    return isinstance(statement, cst.Expr) and isinstance(statement.value, cst.Ellipsis)
