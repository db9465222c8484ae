from __future__ import annotations

import dataclasses
from typing import Any, Hashable, Union

import libcst as cst

from qgate.analyzers.cst.rule import CstRule, Invalid, Valid
from qgate.model import IssueType, Severity

_IGNORED_TYPES = (
    cst.SimpleWhitespace,
    cst.ParenthesizedWhitespace,
    cst.TrailingWhitespace,
    cst.EmptyLine,
    cst.Comment,
    cst.Newline,
    cst.LeftParen,
    cst.RightParen,
    cst.Comma,
)
_IGNORED_FIELDS = frozenset(
    {"indent", "lpar", "rpar", "comma", "semicolon", "leading_lines", "header", "footer", "trailing_whitespace"}
)
_IGNORED_TYPE_SET = frozenset(_IGNORED_TYPES)
_FIELDS: dict[type, tuple[str, ...]] = {}


def canonical(node: Any) -> Hashable:
    """A hashable form of a subtree that ignores comments, whitespace, parentheses and trailing commas."""
    if isinstance(node, cst.CSTNode):
        node_type = type(node)
        names = _FIELDS.get(node_type)
        if names is None:
            names = _FIELDS[node_type] = tuple(
                f.name for f in dataclasses.fields(node) if f.name not in _IGNORED_FIELDS
            )
        parts: list[Hashable] = [node_type.__name__]
        for name in names:
            value = getattr(node, name)
            if type(value) in _IGNORED_TYPE_SET:
                continue
            parts.append(canonical(value))
        return tuple(parts)
    if isinstance(node, (list, tuple)):
        return tuple(canonical(item) for item in node if type(item) not in _IGNORED_TYPE_SET)
    if isinstance(node, (str, int, float, bool)) or node is None:
        return node
    return repr(node)  # MaybeSentinel and friends


Branch = Union[cst.If, cst.Else]


def flat_statements(body: cst.BaseSuite) -> list[cst.CSTNode]:
    """A branch's statements, small statements unwrapped: ``if a: x = 1`` and its indented form match."""
    statements: list[cst.CSTNode] = []
    for statement in body.body:
        if isinstance(statement, cst.SimpleStatementLine):
            statements.extend(statement.body)
        else:
            statements.append(statement)
    return statements


def _is_trivial(body: cst.BaseSuite) -> bool:
    """A branch of one simple statement on one line (``return x``): ignored unless all branches match."""
    if isinstance(body, cst.SimpleStatementSuite):
        return len(body.body) == 1
    return (
        len(body.body) == 1
        and isinstance(body.body[0], cst.SimpleStatementLine)
        and len(body.body[0].body) == 1
    )


class IdenticalBranches(CstRule):
    """Branches of an ``if``/``elif``/``else`` chain should not have the same implementation.

    Two branches with the same body are either a copy-paste mistake (one of them should do something
    else) or a condition that should be merged with ``or``. Bodies are compared as code, ignoring
    comments, whitespace, redundant parentheses and trailing commas. The later branch is reported and
    the message names the line of the earlier one.

    As in SonarQube S1871, branches made of a single simple statement (``return None``) are not
    compared, because such chains are often written on purpose for readability, except when the
    chain ends with ``else`` and every branch is the same (then the condition is useless, S3923).
    """

    id = "QG104"
    name = "identical-branches"
    type = IssueType.CODE_SMELL
    severity = Severity.MAJOR
    effort_minutes = 10
    tags = ("design", "suspicious")

    VALID = [
        Valid(
            """
            if a:
                x = 1
                y = 2
            elif b:
                x = 1
                y = 3
            else:
                x = 2
            """
        ),
        Valid(
            """
            if a:
                return 1
            elif b:
                return 2
            elif c:
                return 1
            """
        ),
        Valid(
            """
            if a:
                return 1
            elif b:
                return 1
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            if a:
                x = 1
                y = 2
            elif b:
                x = 3
            else:
                # same as a
                x = 1
                y = (2)
            """,
            line=6,
            column=1,
        ),
        Invalid(
            """
            def f():
                if a:
                    return 1
                elif b:
                    return 1
                else:
                    return 1
            """,
            line=4,
            column=5,
            more=((6, 5),),
        ),
        Invalid(
            """
            if a:
                for i in x:
                    go(i)
            elif b:
                for i in x:  # loop
                    go(i,)
            """,
            line=4,
            column=1,
        ),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._elifs: set[int] = set()

    def visit_If(self, node: cst.If) -> None:
        if id(node) in self._elifs:
            return
        branches: list[Branch] = [node]
        current: cst.If = node
        while True:
            orelse = current.orelse
            if isinstance(orelse, cst.If):
                self._elifs.add(id(orelse))
                branches.append(orelse)
                current = orelse
                continue
            if isinstance(orelse, cst.Else):
                branches.append(orelse)
            break
        if len(branches) < 2:
            return
        bodies = [flat_statements(b.body) for b in branches]
        # cheap shape first: only branches whose statement types match another branch are canonicalized
        shapes = [tuple(type(s) for s in body) for body in bodies]
        shape_counts: dict[tuple[type, ...], int] = {}
        for shape in shapes:
            shape_counts[shape] = shape_counts.get(shape, 0) + 1
        keys: list[Hashable] = [
            canonical(body) if shape_counts[shape] > 1 else ("unique", index)
            for index, (body, shape) in enumerate(zip(bodies, shapes))
        ]
        all_same = isinstance(branches[-1], cst.Else) and len(set(keys)) == 1
        first_seen: dict[Hashable, Branch] = {}
        for branch, key in zip(branches, keys):
            if _is_trivial(branch.body) and not all_same:
                continue
            earlier = first_seen.get(key)
            if earlier is None:
                first_seen[key] = branch
            else:
                self.report(
                    branch,
                    "This branch has the same implementation as the branch on line {0}; merge them or fix one.",
                    related=(earlier,),
                )
