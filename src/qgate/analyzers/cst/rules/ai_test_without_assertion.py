from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from qgate.analyzers.cst.rule import CstRule, Invalid, Valid, decorator_names, dotted_name
from qgate.analyzers.cst.rules._ai import AI_TAG, is_test_file
from qgate.model import IssueType, Severity

# Calls that check something: assert*/check*/verify*/expect* helpers, pytest.raises/warns/fail, helper
# test routines (self._test_x(), self.do_test()), ...
_CHECK_CALL = re.compile(
    r"^_*(?:(?:assert|check|verify|expect|validate|fail|raises|warns|deprecated_call|do_test|run_test|test)(?:$|_|[A-Z])"
    r"|assert)|assert|_(?:test|tester|check|checker|verify)$|[a-z](?:Test|Tester|Check)$"
)
_SKIP_DECORATOR = re.compile(r"(?:^|\.)(?:skip|skipIf|skipUnless|xfail|expectedFailure)$")


def _callee(node: cst.Call) -> str:
    func = node.func
    if isinstance(func, cst.Attribute):
        return func.attr.value
    if isinstance(func, cst.Name):
        return func.value
    return ""


def _trivial_assert(node: cst.Assert) -> bool:
    """``assert True``, ``assert 1``, ``assert "text"``: assertions that cannot fail."""
    test = node.test
    if isinstance(test, cst.Name):
        return test.value == "True"
    if isinstance(test, cst.Integer):
        return int(test.value.replace("_", ""), 0) != 0
    if isinstance(test, cst.SimpleString):
        return bool(test.evaluated_value)
    return False


def _is_test_class(node: cst.ClassDef) -> bool:
    if node.name.value.startswith("Test"):
        return True
    return any(dotted_name(base.value).endswith(("TestCase", "Tests")) for base in node.bases)


@dataclass
class _Test:
    node: cst.FunctionDef
    checked: bool = False
    trivial: list[cst.Assert] = field(default_factory=list)


class TestWithoutAssertion(CstRule):
    """Tests should assert something.

    A test function that asserts nothing (no ``assert``, no ``self.assert*()``, no
    ``pytest.raises``/``warns``/``fail``, no ``mock.assert_*()``, no ``check``/``verify``/``expect``
    helper call) passes whatever the code does; so does one whose only assertions are ``assert True``
    or ``assert 1``. Coding assistants write such tests to make a suite "pass" or to raise coverage:
    the lines run, nothing is verified. Like SonarQube S2699.

    Checked: functions named ``test*`` at module level or in a ``Test*`` class or a ``*TestCase``
    subclass, in the files test runners collect (``test*.py``, ``*_test.py``). Not reported:
    tests marked skip/xfail, tests that raise (``raise AssertionError``), and tests that call a helper
    whose name starts with ``assert``, ``check``, ``verify``, ``expect``, ``validate`` or ``test``, contains
    ``assert``, or ends with ``_test``, ``_tester``, ``_check`` (delegated checks: ``self.humanize_tester()``). A test that only checks that no exception is raised should say so with an
    assertion on the result.
    """

    id = "QGA104"
    name = "test-without-assertion"
    type = IssueType.CODE_SMELL
    severity = Severity.MAJOR
    effort_minutes = 10
    tags = (AI_TAG, "tests")

    VALID = [
        Valid(
            """
            import pytest

            def test_total():
                assert total([1, 2]) == 3

            def test_rejects_negative():
                with pytest.raises(ValueError):
                    total([-1])

            def test_notifies(mailer):
                send(mailer)
                mailer.send.assert_called_once_with("a@b.c")

            @pytest.mark.skip(reason="flaky upstream")
            def test_later():
                pass
            """,
            path="tests/test_orders.py",
        ),
        Valid(
            """
            class OrderTests(unittest.TestCase):
                def test_total(self):
                    self.assertEqual(total([1]), 1)

                def test_delegates(self):
                    self.check_roundtrip("x")

                def test_delegates_to_a_tester(self):
                    self.humanize_tester([1], ["one"], "apnumber")

                def helper(self):
                    pass
            """,
            path="tests/test_unit.py",
        ),
        Valid(
            """
            def test_anything():
                run()
            """,
            path="mylib/test/runner.py",
        ),
    ]
    INVALID = [
        Invalid(
            """
            def test_create_user(db):
                user = create_user("ann")
                print(user)

            def test_login():
                login("ann", "pw")
                assert True
            """,
            path="tests/test_users.py",
            line=1,
            column=5,
            more=((5, 5),),
        ),
        Invalid(
            """
            class TestCheckout:
                def test_checkout(self, cart):
                    cart.checkout()

                async def test_refund(self):
                    await refund()
                    assert 1
            """,
            path="shop/checkout_test.py",
            line=2,
            column=9,
            more=((5, 15),),
        ),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._active = is_test_file(self.path)
        self._scopes: list[str] = []  # "test-class", "class", "function"
        self._tests: list[_Test] = []
        self._function_depth: list[bool] = []  # for each enclosing function: is it a test being checked?

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._scopes.append("test-class" if _is_test_class(node) else "class")

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._scopes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        enclosing = self._scopes[-1] if self._scopes else "module"
        self._scopes.append("function")
        is_test = (
            self._active
            and node.name.value.startswith("test")
            and enclosing in ("module", "test-class")
            and not any(_SKIP_DECORATOR.search(name) for name in decorator_names(node))
        )
        self._function_depth.append(is_test)
        if is_test:
            self._tests.append(_Test(node))

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._scopes.pop()
        if self._function_depth.pop():
            test = self._tests.pop()
            if not test.checked:
                what = "only asserts a constant" if test.trivial else "asserts nothing"
                self.report(
                    test.node.name,
                    f"Test '{test.node.name.value}' {what}: it passes whatever the code does. Assert on the result.",
                )

    def visit_Assert(self, node: cst.Assert) -> None:
        if self._tests:
            if _trivial_assert(node):
                self._tests[-1].trivial.append(node)
            else:
                self._tests[-1].checked = True

    def visit_Call(self, node: cst.Call) -> None:
        if self._tests and _CHECK_CALL.search(_callee(node)):
            self._tests[-1].checked = True

    def visit_Raise(self, node: cst.Raise) -> None:
        if self._tests:
            self._tests[-1].checked = True
