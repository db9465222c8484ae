from __future__ import annotations

import ast
from typing import Hashable, Optional

import libcst as cst

from qgate.analyzers.cst.rule import CstRule, Invalid, Valid
from qgate.model import IssueType, Severity

_NUMBERS = (cst.Integer, cst.Float, cst.Imaginary)


def literal_key(node: cst.BaseExpression) -> Optional[Hashable]:
    """A comparable form of a constant key (its Python value), None for keys that are not literal."""
    try:
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            value = node.evaluated_value
            return None if value is None else ("const", value)
        if isinstance(node, _NUMBERS):
            return ("const", ast.literal_eval(node.value))
        if (
            isinstance(node, cst.UnaryOperation)
            and isinstance(node.operator, (cst.Minus, cst.Plus))
            and isinstance(node.expression, _NUMBERS)
        ):
            value = ast.literal_eval(node.expression.value)
            return ("const", -value if isinstance(node.operator, cst.Minus) else value)
        if isinstance(node, cst.Name):
            if node.value in ("True", "False", "None"):
                return ("const", {"True": True, "False": False, "None": None}[node.value])
            return ("name", node.value)
    except (ValueError, SyntaxError, TypeError):
        return None
    return None


class DuplicateDictKey(CstRule):
    """Dictionary literals should not have duplicate keys.

    When a key appears twice in a ``{...}`` display, the later value silently replaces the earlier
    one: one of them is dead, usually a copy-paste mistake. Keys are compared by value for string,
    bytes and number literals and ``True``/``False``/``None`` (so ``1``, ``1.0`` and ``True`` are the
    same key, as in Python), and by name for plain variables. The duplicate (later) key is reported.
    Like SonarQube S5780 / pylint W0109 / ruff F601.
    """

    id = "QG106"
    name = "duplicate-dict-key"
    type = IssueType.BUG
    severity = Severity.MAJOR
    effort_minutes = 5
    tags = ("suspicious",)

    VALID = [
        Valid(
            """
            d = {"a": 1, "b": 2, b"a": 3, f"{a}": 4, f"{a}": 5}
            """
        ),
        Valid(
            """
            d = {x.y: 1, x.z: 2, call(): 3, call(): 4, 1: "one", 2: "two", -1: "minus"}
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            d = {
                "a": 1,
                'b': 2,
                'a': 3,
            }
            """,
            line=4,
            column=5,
        ),
        Invalid(
            """
            d = {1: "x", key: 2, 1.0: "y", key: 3, None: 0, None: 1}
            """,
            line=1,
            column=22,
            more=((1, 32), (1, 49)),
        ),
    ]

    def visit_Dict(self, node: cst.Dict) -> None:
        seen: dict[Hashable, cst.BaseExpression] = {}
        for element in node.elements:
            if not isinstance(element, cst.DictElement):
                continue
            key = literal_key(element.key)
            if key is None:
                continue
            try:
                earlier = seen.get(key)
            except TypeError:  # an unhashable evaluated value cannot be a dict key anyway
                continue
            if earlier is None:
                seen[key] = element.key
            else:
                self.report(element.key, "Duplicate key in dictionary literal; it was first set on line {0}.", related=(earlier,))
