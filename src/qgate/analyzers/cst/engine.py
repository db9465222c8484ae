"""Running cst rules over one file: one parse, one batched traversal, positions only when needed.

Cost model (measured on Django, see ``benchmarks/cst_rules.py``): ``libcst.parse_module`` dominates;
libcst's own ``Module.visit`` rebuilds every node even for a read-only visitor, and its
``PositionProvider`` re-generates the whole file with heavy bookkeeping (about twice the parse).
So the engine

* parses once and walks the tree itself, read-only, in lexical order (the order libcst's visitors use),
  dispatching each node to the ``visit_<Node>`` / ``leave_<Node>`` methods of every enabled rule;
* resolves positions only for files that got reports, with a minimal code-generation state that
  records character offsets (no per-token line splitting, no byte counting), then maps offsets to
  line/column by bisecting over the line starts of the source text.

The same traversal computes Cognitive Complexity (:mod:`qgate.analyzers.cst.cognitive`): an internal
collector is driven alongside the rules, whatever rules are enabled, and its results become the file's
:class:`~qgate.model.FileReport`; rule QG116 reports on them after the walk (``finish_metrics``).
"""

from __future__ import annotations

import ast
import dataclasses
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate
from typing import Any, Callable, Optional, Sequence

import libcst as cst
from libcst._nodes.internal import CodegenState
from pydantic import BaseModel

from qgate.analyzers.cst.cognitive import CognitiveCounter, CognitiveResult
from qgate.analyzers.cst.rule import ANALYZER, CstRule, Report
from qgate.model import AnalysisError, FileReport, FunctionMetrics, Issue, Severity

RuleSpec = tuple[type[CstRule], Optional[BaseModel]]
"""A rule class and its validated options (None for the defaults)."""


@dataclass(frozen=True)
class EffortReport(Report):
    """A report whose remediation effort is not the rule's fixed ``effort_minutes`` (it grows with a
    measure, e.g. the points over a threshold)."""

    effort_minutes: int = 0


@dataclass
class RawResult:
    """The outcome of the traversal, before positions are resolved."""

    path: str
    text: str
    module: Optional[cst.Module] = None
    reports: list[Report] = field(default_factory=list)
    errors: list[AnalysisError] = field(default_factory=list)
    cognitive: Optional[CognitiveResult] = None
    """Cognitive Complexity of the file and its functions (None when the file could not be walked)."""


# Traversal ----------------------------------------------------------------------------------------


class _AttributeRecorder(cst.CSTVisitor):
    """Learns a node type's child attributes in lexical order from libcst's own traversal code."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        return False

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        if attribute not in self.names:
            self.names.append(attribute)

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        pass


_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def _child_fields(node_type: type, node: cst.CSTNode) -> tuple[str, ...]:
    names = _CHILD_FIELDS.get(node_type)
    if names is None:
        recorder = _AttributeRecorder()
        node._visit_and_replace_children(recorder)
        declared = [f.name for f in dataclasses.fields(node)]
        ordered = [n for n in recorder.names if n in declared]
        ordered += [n for n in declared if n not in ordered]  # never drop a field libcst did not announce
        names = _CHILD_FIELDS[node_type] = tuple(ordered)
    return names


_NODE_TYPES = {
    name: obj for name, obj in vars(cst).items() if isinstance(obj, type) and issubclass(obj, cst.CSTNode)
}


def _all_subclasses(base: type) -> set[type]:
    found: set[type] = set()
    stack = [base]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                stack.append(sub)
    return found


_CONCRETE_NODE_TYPES = frozenset(_all_subclasses(cst.CSTNode))
_PLAIN_FIELD_TYPES = frozenset({str, bool, int, type(None), cst.MaybeSentinel})


@lru_cache(maxsize=None)
def visitor_methods(rule: type) -> dict[str, tuple[str, type]]:
    """The ``visit_<Node>``/``leave_<Node>`` methods a rule class defines: method name -> (kind, node type).

    For a :class:`CstRule`, only the classes of its MRO that derive from CstRule count (libcst's
    ``CSTVisitor`` declares a no-op method for every node); a plain class (an internal collector such
    as :class:`~qgate.analyzers.cst.cognitive.CognitiveCounter`) contributes its whole MRO.
    """
    methods: dict[str, tuple[str, type]] = {}
    is_rule = issubclass(rule, CstRule)
    for klass in rule.__mro__:
        if klass in (CstRule, cst.CSTVisitor, object) or (is_rule and not issubclass(klass, CstRule)):
            continue
        for attr in vars(klass):
            kind = "visit" if attr.startswith("visit_") else "leave" if attr.startswith("leave_") else None
            if kind is None or attr in methods:
                continue
            node_type = _NODE_TYPES.get(attr[len(kind) + 1 :])
            if node_type is None:
                raise TypeError(
                    f"{rule.__module__}.{rule.__qualname__}.{attr}: not a libcst node visitor "
                    "(only node-level visit_<Node>/leave_<Node> methods run in the batched traversal)"
                )
            methods[attr] = (kind, node_type)
    return methods


class _BatchedWalk:
    """Drives every rule (and internal collectors, plain objects with ``visit_``/``leave_`` methods)
    from one read-only depth-first walk; a crashing rule is dropped, not fatal."""

    def __init__(self, rules: Sequence[Any], path: str) -> None:
        self.rules = list(rules)
        self.path = path
        self.failed: dict[Any, BaseException] = {}
        self._build()

    def _build(self) -> None:
        visit: dict[type, list[tuple[Any, Callable[[Any], Any]]]] = {}
        leave: dict[type, list[tuple[Any, Callable[[Any], Any]]]] = {}
        for rule in self.rules:
            if rule in self.failed:
                continue
            for attr, (kind, node_type) in visitor_methods(type(rule)).items():
                table = visit if kind == "visit" else leave
                table.setdefault(node_type, []).append((rule, getattr(rule, attr)))
        self.visit = visit
        self.leave = leave

    def _fail(self, rule: Any, exc: BaseException) -> None:
        self.failed[rule] = exc
        self._build()

    def walk(self, root: cst.CSTNode) -> None:
        fields = _CHILD_FIELDS
        node_types = _CONCRETE_NODE_TYPES
        sequence_types = (tuple, list)
        plain_types = _PLAIN_FIELD_TYPES
        node_base = cst.CSTNode

        def walk(node: cst.CSTNode) -> None:
            node_type = type(node)
            handlers = self.visit.get(node_type)
            if handlers:
                for rule, method in handlers:
                    try:
                        method(node)
                    except Exception as exc:  # a rule bug must not lose the other rules' findings
                        self._fail(rule, exc)
            names = fields.get(node_type) or _child_fields(node_type, node)
            for name in names:
                value = getattr(node, name)
                value_type = type(value)
                # exact type tests: isinstance() against libcst's ABC-based classes is several times slower
                if value_type in node_types:
                    walk(value)
                elif value_type in sequence_types:
                    for item in value:
                        if type(item) in node_types or isinstance(item, node_base):
                            walk(item)
                elif value_type not in plain_types and isinstance(value, node_base):
                    walk(value)  # a node class created after import (not one of libcst's own)
            handlers = self.leave.get(node_type)
            if handlers:
                for rule, method in handlers:
                    try:
                        method(node)
                    except Exception as exc:
                        self._fail(rule, exc)

        walk(root)


_NOT_BRACKETS_RE = re.compile(r"[^()\[\]{}]+")
_BRACKET_DELTA = [0] * 256
for _open, _close in (b"()", b"[]", b"{}"):
    _BRACKET_DELTA[_open], _BRACKET_DELTA[_close] = 1, -1
MAX_BRACKET_DEPTH = 200  # CPython's own limit ("too many nested parentheses")


def too_deeply_bracketed(text: str, path: str) -> Optional[AnalysisError]:
    """libcst's native parser crashes the process (stack overflow) on very deep bracket nesting, which
    CPython rejects anyway. A cheap over-estimate (brackets in strings count) picks the suspicious
    files; CPython's parser, which fails cleanly, decides."""
    brackets = _NOT_BRACKETS_RE.sub("", text)
    if len(brackets) <= MAX_BRACKET_DEPTH:
        return None
    if max(accumulate(map(_BRACKET_DELTA.__getitem__, brackets.encode("ascii")))) <= MAX_BRACKET_DEPTH:
        return None
    try:
        compile(text, path, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as exc:
        return AnalysisError(analyzer=ANALYZER, path=path, line=exc.lineno or None, message=f"syntax error: {exc.msg}")
    except (RecursionError, MemoryError, ValueError) as exc:
        return AnalysisError(analyzer=ANALYZER, path=path, message=f"syntax error: {_one_line(exc)}")
    return None


def run_rules(
    text: str,
    path: str,
    rules: Sequence[RuleSpec],
    def_lines: Optional[Sequence[int]] = None,
    *,
    metrics: bool = True,
    project: Any = None,
) -> RawResult:
    """Parse ``text`` once and run every rule in one traversal. Never raises for a bad file.

    With ``metrics`` (the default) the same traversal computes Cognitive Complexity (``raw.cognitive``);
    ``def_lines`` are the lines of the file's ``def`` keywords (:attr:`qgate.source.SourceFile.def_lines`),
    computed from the walk when not given. ``project`` (a :class:`qgate.project.ProjectIndex`) is given to
    every rule as ``rule.project`` (the environment's index when None and a rule ``needs_project``). After the traversal, a rule that defines
    ``finish_metrics(self, cognitive: CognitiveResult)`` gets the file's results (to report on them).
    """
    result = RawResult(path=path, text=text)
    guard = too_deeply_bracketed(text, path)
    if guard is not None:
        result.errors.append(guard)
        return result
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        message = " ".join(str(exc.message).split())
        if len(message) > 200:
            message = message[:197] + "..."
        result.errors.append(
            AnalysisError(
                analyzer=ANALYZER, path=path, line=exc.raw_line if exc.raw_line >= 1 else None, message=f"syntax error: {message}"
            )
        )
        return result
    except BaseException as exc:  # the native parser can also fail with a Rust panic (a BaseException)
        if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
            raise
        result.errors.append(AnalysisError(analyzer=ANALYZER, path=path, message=f"parse failed: {_one_line(exc)}"))
        return result
    result.module = module
    counter = CognitiveCounter(def_lines or ()) if metrics else None
    if not rules and counter is None:
        return result
    instances = [rule_class(path, options) for rule_class, options in rules]
    if instances:
        if project is None and any(r.needs_project for r in instances):
            from qgate.project import environment_index

            project = environment_index()
        for instance in instances:
            instance.source_text = text
            instance.project = project
    walker = _BatchedWalk([*instances, counter] if counter is not None else instances, path)
    try:
        walker.walk(module)
    except RecursionError:
        result.errors.append(
            AnalysisError(analyzer=ANALYZER, path=path, message="file is nested too deeply for the cst rules")
        )
        return result
    if counter is not None:
        exc = walker.failed.get(counter)
        if exc is None:
            result.cognitive = counter.result()
        else:
            result.errors.append(
                AnalysisError(
                    analyzer=ANALYZER,
                    path=path,
                    message=f"cognitive complexity failed: {type(exc).__name__}: {_one_line(exc)}",
                )
            )
    for rule in instances:
        finish = getattr(rule, "finish_metrics", None)
        if finish is not None and result.cognitive is not None and rule not in walker.failed:
            try:
                finish(result.cognitive)
            except Exception as exc:
                walker.failed[rule] = exc
        exc = walker.failed.get(rule)
        if exc is not None:
            result.errors.append(
                AnalysisError(
                    analyzer=ANALYZER,
                    path=path,
                    message=f"rule {rule.id} ({rule.name}) crashed: {type(exc).__name__}: {_one_line(exc)}",
                )
            )
        else:
            result.reports.extend(rule.reports)
    return result


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:300] if text else type(exc).__name__


# Positions ----------------------------------------------------------------------------------------


class _OffsetState(CodegenState):
    """A code-generation state that only counts characters and records each node's syntactic span.

    Same semantics as libcst's ``ByteSpanPositionProvider`` (syntactic positions, hoisted from
    ``start_node``/``end_node`` where libcst does so), but in characters and with plain tuples.
    """

    def __init__(self, default_indent: str, default_newline: str) -> None:
        super().__init__(default_indent=default_indent, default_newline=default_newline)
        self.position = 0
        self.spans: dict[cst.CSTNode, tuple[int, int]] = {}
        self._starts: list[int] = []
        self._pending: list[tuple[cst.CSTNode, Optional[cst.CSTNode], Optional[cst.CSTNode], int]] = []
        self._next: tuple[cst.CSTNode, Optional[cst.CSTNode], Optional[cst.CSTNode]] | None = None
        self._last = ""
        self.tokens = _TokenCount(self)  # type: ignore[assignment]  # the text is not built, only measured

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.position += len(token)

    def add_token(self, value: str) -> None:
        self.position += len(value)
        self._last = value

    def pop_trailing_newline(self) -> None:
        # Module codegen drops the final newline of a file without one; every node is recorded by now.
        if self.position:
            self.position -= len(self._last)

    def before_codegen(self, node: cst.CSTNode) -> None:
        self._starts.append(self.position)

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self._starts.pop()
        if node not in self.spans:
            self.spans[node] = (start, self.position)

    def record_syntactic_position(  # type: ignore[override]
        self, node: cst.CSTNode, *, start_node: Optional[cst.CSTNode] = None, end_node: Optional[cst.CSTNode] = None
    ) -> "_OffsetState":
        self._next = (node, start_node, end_node)
        return self

    def __enter__(self) -> None:
        assert self._next is not None
        node, start_node, end_node = self._next
        self._next = None
        self._pending.append((node, start_node, end_node, self.position))

    def __exit__(self, *exc_info: object) -> None:
        node, start_node, end_node, start = self._pending.pop()
        end = self.position
        if start_node is not None:
            start = self.spans[start_node][0]
        if end_node is not None:
            end = self.spans[end_node][1]
        self.spans[node] = (start, end)


class _TokenCount:
    """Stands in for ``CodegenState.tokens``: libcst only asks whether any token was emitted."""

    def __init__(self, state: _OffsetState) -> None:
        self.state = state

    def __len__(self) -> int:
        return 1 if self.state.position else 0


_NEWLINE_RE = re.compile(r"\r\n?|\n")


class _LineIndex:
    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in _NEWLINE_RE.finditer(text)]

    def point(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1

    def span(self, start: int, end: int) -> tuple[int, int, int, int]:
        line, column = self.point(start)
        # an end right after a newline is shown as the end of the previous line
        while end > start and self.text[end - 1] in "\r\n":
            end -= 1
        end_line, end_column = self.point(end)
        if end_line == line and end_column <= column:
            end_column = column + 1
        return line, column, end_line, end_column


def node_spans(module: cst.Module) -> tuple[dict[cst.CSTNode, tuple[int, int]], int]:
    """Character offsets (start, end) of every node's syntactic position, and the generated length."""
    state = _OffsetState(module.default_indent, module.default_newline)
    module._codegen(state)
    return state.spans, state.position


def resolve(raw: RawResult, severities: Optional[dict[str, Severity]] = None) -> tuple[list[Issue], list[AnalysisError]]:
    """Turn raw reports into issues (positions computed here, only when there are reports)."""
    errors = list(raw.errors)
    if not raw.reports or raw.module is None:
        return [], errors
    try:
        spans, length = node_spans(raw.module)
        # libcst round-trips source exactly except for rare whitespace (it drops a form feed that
        # starts a statement line); then offsets refer to the regenerated code, whose lines are the same.
        lines = _LineIndex(raw.text if length == len(raw.text) else raw.module.code)
    except Exception as exc:
        errors.append(AnalysisError(analyzer=ANALYZER, path=raw.path, message=f"cannot compute positions: {_one_line(exc)}"))
        return [], errors
    severities = severities or {}
    issues = []
    for report in raw.reports:
        rule = report.rule
        start, end = spans[report.node]
        line, column, end_line, end_column = lines.span(start, end)
        message = report.message
        if report.related:
            message = message.format(*(lines.point(spans[n][0])[0] for n in report.related))
        issues.append(
            Issue(
                rule=rule.id,
                tool=ANALYZER,
                type=rule.type,
                severity=severities.get(rule.id, rule.severity),
                message=message,
                path=raw.path,
                line=line,
                end_line=end_line,
                column=column,
                end_column=end_column,
                effort_minutes=report.effort_minutes if isinstance(report, EffortReport) else rule.effort_minutes,
                cwe=tuple(rule.cwe),
                tags=tuple(rule.tags),
            )
        )
    issues.sort(key=Issue.sort_key)
    return issues, errors


def analyze_text(
    text: str,
    path: str,
    rules: Sequence[RuleSpec],
    severities: Optional[dict[str, Severity]] = None,
    *,
    project: Any = None,
) -> tuple[list[Issue], list[AnalysisError]]:
    """Parse, run the rules and resolve positions: the whole per-file pipeline (issues only)."""
    return resolve(run_rules(text, path, rules, project=project), severities)


def file_report(raw: RawResult, ncloc: int = 0) -> Optional[FileReport]:
    """The file's Cognitive Complexity and its functions', None when the file could not be measured."""
    cognitive = raw.cognitive
    if cognitive is None:
        return None
    functions = tuple(
        FunctionMetrics(
            name=fn.name,
            qualified_name=fn.qualified_name,
            line=fn.line,
            end_line=max(fn.end_line, fn.line),
            cognitive_complexity=fn.cognitive_complexity,
        )
        for fn in cognitive.functions
    )
    return FileReport(
        path=raw.path, ncloc=ncloc, measures={"cognitive_complexity": cognitive.file_complexity}, functions=functions
    )

