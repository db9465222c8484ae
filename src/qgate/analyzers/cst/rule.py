"""The base class of qgate's built-in libcst rules, Fixit-style.

A rule is one class in one module of :mod:`qgate.analyzers.cst.rules`. Its identity is declared once,
as class attributes (``id``, ``name``, ``type``, ``severity``, ``effort_minutes``, optional ``cwe``,
``tags``, ``Options``); its docstring is its documentation (first line: the one-line description);
``VALID`` and ``INVALID`` hold examples that the test-suite turns into one test each.

A rule is a :class:`libcst.CSTVisitor`: it implements node-level ``visit_<Node>`` / ``leave_<Node>``
methods (attribute-level visitors such as ``visit_If_body`` are not supported) and calls
:meth:`CstRule.report`. Rules run *batched*: the engine drives every enabled rule from one traversal,
so a ``visit_`` method's return value is ignored (children are always visited), and a rule must keep
its own state (stacks of enclosing scopes, ...) in ``visit_``/``leave_`` pairs. A fresh instance is
created for every file.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping, Optional, Sequence

import libcst as cst
from pydantic import BaseModel

from qgate.analyzers.base import NoOptions
from qgate.model import IssueType, RuleInfo, Severity

ANALYZER = "cst"

_ID_RE = re.compile(r"^[A-Z]+[0-9]+$")
_NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


def _example_code(code: str) -> str:
    """Examples are written as indented triple-quoted strings: dedent them and drop the first newline."""
    code = textwrap.dedent(code)
    return code[1:] if code.startswith("\n") else code


@dataclass(frozen=True)
class Valid:
    """Code on which the rule must report nothing."""

    code: str
    path: str = "example.py"
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def source(self) -> str:
        return _example_code(self.code)


@dataclass(frozen=True)
class Invalid:
    """Code on which the rule must report exactly the given positions (1-based line and column).

    ``Invalid(code, line=2, column=5)`` expects one report; further reports are listed in ``more`` as
    ``(line, column)`` pairs: ``Invalid(code, line=2, column=5, more=((4, 9),))``.
    """

    code: str
    line: int
    column: int
    more: tuple[tuple[int, int], ...] = ()
    path: str = "example.py"
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def source(self) -> str:
        return _example_code(self.code)

    @property
    def expected(self) -> list[tuple[int, int]]:
        return sorted([(self.line, self.column), *self.more])


@dataclass(frozen=True)
class Report:
    """One raw report of a rule: a node, a message, and nodes whose lines the message refers to.

    When ``related`` is not empty the message is a format string: ``{0}`` is replaced by the line of
    ``related[0]``, and so on. Positions are resolved by the engine only when a file has reports.
    """

    rule: type["CstRule"]
    node: cst.CSTNode
    message: str
    related: tuple[cst.CSTNode, ...] = ()


class CstRule(cst.CSTVisitor):
    """Base class of a built-in rule. Subclasses declare their identity as class attributes."""

    id: ClassVar[str]
    name: ClassVar[str]
    type: ClassVar[IssueType]
    severity: ClassVar[Severity]
    effort_minutes: ClassVar[int]
    cwe: ClassVar[tuple[int, ...]] = ()
    tags: ClassVar[tuple[str, ...]] = ()
    default_enabled: ClassVar[bool] = True
    Options: ClassVar[type[BaseModel]] = NoOptions

    #: True for a rule that reads :attr:`project` (the cst analyzer then indexes the repository once per run).
    needs_project: ClassVar[bool] = False

    VALID: ClassVar[Sequence[Valid]] = ()
    INVALID: ClassVar[Sequence[Invalid]] = ()

    def __init__(self, path: str, options: Optional[BaseModel] = None) -> None:
        super().__init__()
        #: Repository-relative POSIX path of the file being analyzed.
        self.path = path
        #: The rule's validated options (an instance of ``Options``).
        self.options: Any = options if options is not None else self.Options()
        self.reports: list[Report] = []
        #: The file's text (set by the engine before the traversal).
        self.source_text = ""
        #: The project index (:class:`qgate.project.ProjectIndex`), set by the engine for every rule; when
        #: the analyzer was given none, the index of the environment alone (no local modules, no declarations).
        self.project: Any = None

    def report(self, node: cst.CSTNode, message: str, *, related: Sequence[cst.CSTNode] = ()) -> None:
        """Report an issue at ``node`` (its syntactic start and end)."""
        self.reports.append(Report(type(self), node, message, tuple(related)))

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "id" in cls.__dict__:  # a concrete rule: check its declaration once, at import time
            _check_declaration(cls)

    @classmethod
    def info(cls) -> RuleInfo:
        doc = textwrap.dedent(cls.__doc__ or "").strip()
        return RuleInfo(
            id=cls.id,
            name=cls.name,
            analyzer=ANALYZER,
            type=cls.type,
            severity=cls.severity,
            effort_minutes=cls.effort_minutes,
            description=doc.splitlines()[0].strip() if doc else "",
            docs=doc,
            cwe=tuple(cls.cwe),
            tags=tuple(cls.tags),
            default_enabled=cls.default_enabled,
        )


def _check_declaration(cls: type[CstRule]) -> None:
    where = f"{cls.__module__}.{cls.__qualname__}"
    problems = []
    if not _ID_RE.match(str(cls.id)):
        problems.append(f"id {cls.id!r} is not like QG101")
    if not _NAME_RE.match(str(getattr(cls, "name", ""))):
        problems.append(f"name {getattr(cls, 'name', None)!r} is not kebab-case")
    if not isinstance(getattr(cls, "type", None), IssueType):
        problems.append("type must be an IssueType")
    if not isinstance(getattr(cls, "severity", None), Severity):
        problems.append("severity must be a Severity")
    effort = getattr(cls, "effort_minutes", None)
    if not isinstance(effort, int) or effort < 0:
        problems.append("effort_minutes must be an int >= 0")
    if not (cls.__doc__ or "").strip():
        problems.append("a docstring (its documentation) is required")
    if not (isinstance(cls.Options, type) and issubclass(cls.Options, BaseModel)):
        problems.append("Options must be a pydantic model")
    if problems:
        raise TypeError(f"bad cst rule {where}: " + "; ".join(problems))


# Helpers shared by several rules ------------------------------------------------------------------


def dotted_name(node: Optional[cst.CSTNode]) -> str:
    """``a.b.c`` for a Name/Attribute chain, '' for anything else."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return ""


def decorator_names(node: cst.FunctionDef | cst.ClassDef) -> list[str]:
    """Dotted names of the decorators (``@a.b(...)`` gives ``a.b``)."""
    names = []
    for decorator in node.decorators:
        target = decorator.decorator
        if isinstance(target, cst.Call):
            target = target.func
        names.append(dotted_name(target))
    return names


def block_has_comment(body: cst.BaseSuite) -> bool:
    """True when a suite holds a comment anywhere outside nested expressions' own parentheses."""
    if isinstance(body, cst.SimpleStatementSuite):
        return body.trailing_whitespace.comment is not None
    if body.header.comment is not None:
        return True
    if any(line.comment is not None for line in body.footer):
        return True
    for statement in body.body:
        if any(line.comment is not None for line in statement.leading_lines):
            return True
        if isinstance(statement, cst.SimpleStatementLine) and statement.trailing_whitespace.comment is not None:
            return True
    return False


def small_statements(body: cst.BaseSuite) -> Optional[list[cst.BaseSmallStatement]]:
    """The small statements of a suite made only of simple statements, None when it holds a compound one."""
    if isinstance(body, cst.SimpleStatementSuite):
        return list(body.body)
    result: list[cst.BaseSmallStatement] = []
    for statement in body.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            return None
        result.extend(statement.body)
    return result
