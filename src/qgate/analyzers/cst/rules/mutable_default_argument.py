from __future__ import annotations

from typing import Optional

import libcst as cst

from qgate.analyzers.cst.rule import CstRule, Invalid, Valid, dotted_name
from qgate.model import IssueType, Severity

_MUTABLE_LITERALS = (cst.List, cst.Dict, cst.Set, cst.ListComp, cst.DictComp, cst.SetComp)
_MUTABLE_CALLS = frozenset(
    {
        "list",
        "dict",
        "set",
        "bytearray",
        "collections.defaultdict",
        "collections.OrderedDict",
        "collections.Counter",
        "collections.deque",
        "defaultdict",
        "OrderedDict",
        "Counter",
        "deque",
    }
)


def mutable_kind(value: Optional[cst.BaseExpression]) -> str:
    """'list', 'dict', ... when ``value`` builds a new mutable object, '' otherwise."""
    if isinstance(value, _MUTABLE_LITERALS):
        return {
            cst.List: "list",
            cst.ListComp: "list",
            cst.Dict: "dict",
            cst.DictComp: "dict",
            cst.Set: "set",
            cst.SetComp: "set",
        }[type(value)]
    if isinstance(value, cst.Call):
        name = dotted_name(value.func)
        if name in _MUTABLE_CALLS:
            return name.rsplit(".", 1)[-1]
    return ""


class MutableDefaultArgument(CstRule):
    """Default argument values should not be mutable.

    A default value is evaluated once, when the ``def`` (or ``lambda``) runs, and shared by every
    call: appending to a default list or writing into a default dict leaks state from one call to
    the next. Use ``None`` and create the object in the body (``items = [] if items is None else
    items``), or an immutable value (a tuple, a frozenset).

    Reported: list, dict and set displays and comprehensions, and calls to ``list``, ``dict``,
    ``set``, ``bytearray`` and the ``collections`` containers, as defaults of positional, keyword-only
    and positional-only parameters of functions and lambdas. Like pylint W0102 / ruff B006.
    """

    id = "QG103"
    name = "mutable-default-argument"
    type = IssueType.BUG
    severity = Severity.MAJOR
    effort_minutes = 5
    tags = ("pitfall",)

    VALID = [
        Valid(
            """
            def f(items=None, names=(), flags=frozenset()):
                items = [] if items is None else items
            """
        ),
        Valid(
            """
            def f(count=len([1]), key=tuple([1, 2]), factory=list):
                pass
            """
        ),
        Valid(
            """
            callback = lambda x, seen=None: x
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            def f(items=[], *, opts={}):
                pass
            """,
            line=1,
            column=13,
            more=((1, 25),),
        ),
        Invalid(
            """
            handler = lambda event, seen=set(): seen.add(event)
            """,
            line=1,
            column=30,
        ),
        Invalid(
            """
            def f(a, /, cache=collections.defaultdict(list), squares={i: i * i for i in range(3)}):
                pass
            """,
            line=1,
            column=19,
            more=((1, 58),),
        ),
    ]

    def visit_Parameters(self, node: cst.Parameters) -> None:
        for param in (*node.posonly_params, *node.params, *node.kwonly_params):
            kind = mutable_kind(param.default)
            if kind and param.default is not None:
                self.report(
                    param.default,
                    f"Do not use a mutable {kind} as the default of '{param.name.value}': it is shared by every call.",
                )
