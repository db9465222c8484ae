"""The ``radon`` analyzer: cyclomatic complexity per function, Halstead volume and Maintainability Index.

Each file is parsed once with :func:`ast.parse` and the tree is fed to radon's AST-level APIs
(:class:`radon.visitors.ComplexityVisitor`, the visitor behind ``radon.complexity.cc_visit_ast``;
:func:`radon.metrics.h_visit_ast`; :func:`radon.metrics.mi_compute`). radon's ``raw.analyze`` and
``mi_visit`` are not called: they tokenize the file again, line by line, and cost more than the parse.

Measures of a file (``FileReport.measures``):

* ``complexity``: the sum of the cyclomatic complexities of every function, method and nested function
  of the file, radon's per-block values. This is SonarQube's ``complexity`` (each function counts 1 plus
  its decision points) except that decision points at module or class-body level, outside any function,
  are not counted (radon has no block for them), and lambdas add nothing (radon's rule).
* ``halstead_volume``: radon's Halstead volume of the whole module, rounded to 2 decimals.
* ``maintainability_index``: radon's MI (0..100), rounded to 2 decimals, with radon's own default of
  counting multi-line strings (docstrings) as comment lines (``radon mi`` without ``--multi``, i.e.
  ``mi_visit(code, multi=True)``).

The MI formula takes four inputs; ``mi_visit`` computes them as: the module's Halstead volume, radon's
``total_complexity`` of the module, the *logical* line count (``lloc``) and the comment percentage
``(comments + multi) / sloc * 100``. We pass the same inputs, computed without a second tokenize pass:
the volume and total complexity from radon's visitors on our tree, the comment lines from
:class:`~qgate.source.SourceFile` (one comment token per line, like radon's count), and ``lloc``,
``multi`` and ``sloc`` from the AST (see :func:`mi_line_counts`). The line counts reproduce radon's
on ordinary code; the known residual differences, which move MI by a fraction of a point, are listed in
:func:`mi_line_counts`.

Rule QG201 (function-too-complex) reports every function whose cyclomatic complexity exceeds the
``threshold`` option (default 15, as SonarQube's S1541).
"""

from __future__ import annotations

import ast
import sys
import warnings
from typing import Iterator, NamedTuple, Optional, Sequence, Union

from pydantic import BaseModel, ConfigDict, Field
from radon.metrics import h_visit_ast, mi_compute
from radon.visitors import Class as RadonClass
from radon.visitors import ComplexityVisitor
from radon.visitors import Function as RadonFunction

from qgate.analyzers.base import AnalyzerContext, AnalyzerOutput, FileAnalyzer, validate_options
from qgate.model import AnalysisError, FileReport, FunctionMetrics, Issue, IssueType, RuleInfo, Severity
from qgate.source import SourceFile

ANALYZER = "radon"

QG201_BASE_EFFORT = 10
"""Minutes to fix one QG201 issue at the threshold; each complexity point above it adds one minute."""

QG201 = RuleInfo(
    id="QG201",
    name="function-too-complex",
    analyzer=ANALYZER,
    type=IssueType.CODE_SMELL,
    severity=Severity.CRITICAL,
    effort_minutes=QG201_BASE_EFFORT,
    description="Functions should not have a cyclomatic complexity above the threshold.",
    docs=(
        "A function's cyclomatic complexity (radon's count: 1 plus one per `if`, `elif`, loop, loop "
        "`else`, `except`, `try ... else`, boolean operator, conditional expression, comprehension and "
        "its `if` clauses, `assert`, and each non-wildcard `case`) measures how many independent paths "
        "a test suite must cover. Above the threshold (option `threshold`, default 15, set under "
        "`[tool.qgate.rules.QG201.options]`), split the function.\n\n"
        "Remediation effort: 10 minutes plus 1 minute per complexity point above the threshold "
        "(SonarQube's S1541 model: linear with offset). Nested functions are measured on their own and "
        "do not add to the enclosing function."
    ),
    tags=("brain-overload",),
)

_FUNCTION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef)
_Def = Union[ast.FunctionDef, ast.AsyncFunctionDef]


class QG201Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    threshold: int = Field(default=15, ge=1, description="Highest cyclomatic complexity allowed.")


class RadonAnalyzer(FileAnalyzer):
    name = ANALYZER
    description = "Cyclomatic complexity per function, Halstead volume and Maintainability Index (radon)."

    def __init__(self, context: AnalyzerContext) -> None:
        super().__init__(context)
        self.qg201 = validate_options(
            QG201Options, context.selection.options_for(QG201.id), f"tool.qgate.rules.{QG201.id}.options"
        )

    def rules(self) -> Sequence[RuleInfo]:
        return (QG201,)

    def analyze_file(self, source: SourceFile) -> AnalyzerOutput:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # SyntaxWarning for invalid escapes etc. is not ours to print
                tree = ast.parse(source.text, filename=source.path)
            functions, measures = _measure(tree, source)
        except SyntaxError as exc:
            return _error(source, f"cannot parse: {exc.msg}", exc.lineno)
        except ValueError as exc:  # NUL bytes and other inputs ast.parse refuses
            return _error(source, f"cannot parse: {_first_line(exc)}", None)
        except (RecursionError, MemoryError):
            return _error(source, "cannot analyze: code nested too deeply", None)

        issues: list[Issue] = []
        if self.context.selection.is_enabled(QG201):
            threshold = self.qg201.threshold  # type: ignore[attr-defined]
            issues = [
                _complexity_issue(source, node, fn, threshold)
                for node, fn in functions
                if fn.cyclomatic_complexity is not None and fn.cyclomatic_complexity > threshold
            ]
        report = FileReport(
            path=source.path,
            ncloc=source.ncloc,
            measures=measures,
            functions=tuple(fn for _, fn in functions),
        )
        return AnalyzerOutput(issues=tuple(sorted(issues, key=Issue.sort_key)), files=(report,))


def _error(source: SourceFile, message: str, line: Optional[int]) -> AnalyzerOutput:
    return AnalyzerOutput(
        errors=(AnalysisError(analyzer=ANALYZER, path=source.path, line=line if line and line > 0 else None, message=message),)
    )


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# --- measuring ----------------------------------------------------------------------------------------


def _measure(tree: ast.Module, source: SourceFile) -> tuple[list[tuple[_Def, FunctionMetrics]], dict]:
    visitor = ComplexityVisitor.from_ast(tree)
    by_position = {(f.lineno, f.col_offset): f.complexity for f in _radon_functions(visitor.functions, visitor.classes)}

    functions: list[tuple[_Def, FunctionMetrics]] = []
    for node, qualname in iter_functions(tree):
        complexity = by_position.get((node.lineno, node.col_offset))
        if complexity is None:
            # radon's module visitor does not descend into classes defined inside functions.
            complexity = ComplexityVisitor.from_ast(node).functions[0].complexity
        functions.append(
            (
                node,
                FunctionMetrics(
                    name=node.name,
                    qualified_name=qualname,
                    line=node.lineno,
                    end_line=node.end_lineno or node.lineno,
                    cyclomatic_complexity=complexity,
                ),
            )
        )
    functions.sort(key=lambda item: (item[0].lineno, item[0].col_offset))

    volume = h_visit_ast(tree).total.volume
    counts = mi_line_counts(tree, source)
    comment_percent = (source.comment_lines + counts.multi) / counts.sloc * 100 if counts.sloc else 0.0
    mi = mi_compute(volume, visitor.total_complexity, counts.lloc, comment_percent)
    measures = {
        "complexity": sum(fn.cyclomatic_complexity or 0 for _, fn in functions),
        "halstead_volume": round(float(volume), 2),
        "maintainability_index": round(float(mi), 2),
    }
    return functions, measures


def _radon_functions(functions: Sequence[RadonFunction], classes: Sequence[RadonClass]) -> Iterator[RadonFunction]:
    """Every function block radon measured: top-level functions, methods, closures, inner classes' methods."""
    pending: list[Union[RadonFunction, RadonClass]] = [*functions, *classes]
    while pending:
        block = pending.pop()
        if isinstance(block, RadonClass):
            pending.extend(block.methods)
            pending.extend(block.inner_classes)
        else:
            yield block
            pending.extend(block.closures)


def iter_functions(tree: ast.AST) -> Iterator[tuple[_Def, str]]:
    """Every function definition with its ``__qualname__`` (``C.m``, ``f.<locals>.g``, ``A.B.m``).

    Iterative, so that absurdly nested code cannot overflow the Python stack here.
    """
    stack: list[tuple[ast.AST, str]] = [(tree, "")]
    while stack:
        node, prefix = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, _FUNCTION_NODES):
                qualname = prefix + child.name
                yield child, qualname
                stack.append((child, qualname + ".<locals>."))
            elif isinstance(child, ast.ClassDef):
                stack.append((child, prefix + child.name + "."))
            else:
                stack.append((child, prefix))


# --- radon-compatible line counts for the MI formula ------------------------------------------------


class MiLineCounts(NamedTuple):
    lloc: int
    """Logical lines: statements, clause headers (else/except/finally/case) and decorators."""
    sloc: int
    """Code lines, not counting lines of string statements (docstrings), as radon's ``sloc``."""
    multi: int
    """Non-blank lines of multi-line string statements (docstrings), as radon's ``multi``."""


_COMPOUND = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.If,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.With,
    ast.AsyncWith,
    ast.Try,
    ast.Match,
) + ((ast.TryStar,) if sys.version_info >= (3, 11) else ())  # type: ignore[attr-defined]


def mi_line_counts(tree: ast.Module, source: SourceFile) -> MiLineCounts:
    """radon's ``lloc``, ``sloc`` and ``multi`` (see :func:`radon.raw.analyze`), from the AST and our counts.

    radon counts one logical line per statement, per clause header (``else:``, ``except ...:``,
    ``finally:``, ``case ...:``) and per decorator; a simple statement holding a colon that is not its
    last token (a dict display, a slice, a lambda, an annotation) counts twice, a radon quirk we
    reproduce. Residual differences with radon, all rare and each worth well under a point of MI:

    * a simple statement with such a colon sharing its line with a compound header
      (``if x: y = {1: 2}``) counts 3 here, 2 in radon;
    * ``sloc`` starts from qgate's ``ncloc``, which counts blank lines inside multi-line strings and
      not comment-only lines inside a multi-line statement; radon does the opposite;
    * an implicitly concatenated string statement (``"a" "b"``) counts as a docstring here.
    """
    lines = source.lines
    lloc = string_lines = multi = 0
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt):
            continue
        lloc += _logical_lines(node, lines)
        if _is_string_statement(node, lines):
            span = (node.end_lineno or node.lineno) - node.lineno + 1
            string_lines += span
            if span > 1:
                multi += sum(1 for n in range(node.lineno, node.lineno + span) if source.line(n).strip())
    return MiLineCounts(lloc=lloc, sloc=max(source.ncloc - string_lines, 0), multi=multi)


def _logical_lines(node: ast.stmt, lines: list[str]) -> int:
    if not isinstance(node, _COMPOUND):
        return 2 if isinstance(node, ast.AnnAssign) or _has_inner_colon(node) else 1
    decorators = sum(2 if _has_inner_colon(d) else 1 for d in getattr(node, "decorator_list", ()))
    return 1 + decorators + _clause_headers(node, lines)


def _clause_headers(node: ast.stmt, lines: list[str]) -> int:
    """``else:``, ``except ...:``, ``finally:`` and ``case ...:`` lines of a compound statement."""
    if isinstance(node, ast.If):
        return 1 if node.orelse and not _is_elif(node, lines) else 0
    if isinstance(node, ast.Match):
        return len(node.cases)
    count = 1 if getattr(node, "orelse", None) else 0  # else: of for / while / try
    handlers = getattr(node, "handlers", None)
    if handlers is not None:
        count += len(handlers) + (1 if getattr(node, "finalbody", None) else 0)
    return count


_COLON_NODES: tuple[type, ...] = (ast.Lambda, ast.Slice, ast.DictComp)


def _has_inner_colon(node: ast.AST) -> bool:
    for child in ast.walk(node):
        if isinstance(child, _COLON_NODES):
            return True
        if isinstance(child, ast.Dict) and any(key is not None for key in child.keys):
            return True
        if sys.version_info >= (3, 12) and isinstance(child, ast.FormattedValue) and child.format_spec:
            return True  # f-strings are tokenized since 3.12: the format-spec colon is an OP token
    return False


def _is_elif(node: ast.If, lines: list[str]) -> bool:
    if len(node.orelse) != 1 or not isinstance(node.orelse[0], ast.If):
        return False
    inner = node.orelse[0]
    return 0 < inner.lineno <= len(lines) and lines[inner.lineno - 1].lstrip().startswith("elif")


def _is_string_statement(node: ast.stmt, lines: list[str]) -> bool:
    """A bare string statement alone on its lines (radon's test for docstrings)."""
    if not (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, (str, bytes))
    ):
        return False
    end_line = node.end_lineno or node.lineno
    if not (1 <= node.lineno <= end_line <= len(lines)):
        return False
    before = _byte_slice(lines[node.lineno - 1], 0, node.col_offset)
    after = _byte_slice(lines[end_line - 1], node.end_col_offset or 0, None)
    return not before.strip() and not after.strip()


def _byte_slice(line: str, start: int, end: Optional[int]) -> str:
    """Slice a line by the UTF-8 byte offsets the ast module reports."""
    return line.encode("utf-8")[start:end].decode("utf-8", errors="replace")


def _char_column(line: str, byte_offset: int) -> int:
    return len(line.encode("utf-8")[:byte_offset].decode("utf-8", errors="replace"))


# --- QG201 --------------------------------------------------------------------------------------------


def _name_position(source: SourceFile, node: _Def) -> tuple[int, int]:
    """0-based character column span of the function's name on its ``def`` line."""
    line = source.line(node.lineno)
    start = _char_column(line, node.col_offset)
    rest = line[start:]
    head = "async" if isinstance(node, ast.AsyncFunctionDef) else ""
    index = 0
    if head and rest.startswith(head):
        index = len(head)
        while index < len(rest) and rest[index].isspace():
            index += 1
    if rest.startswith("def", index):
        index += 3
        while index < len(rest) and rest[index].isspace():
            index += 1
        if rest.startswith(node.name, index):
            return start + index, start + index + len(node.name)
    found = rest.find(node.name)  # a backslash-continued def; fall back to the first occurrence
    if found >= 0:
        return start + found, start + found + len(node.name)
    return start, start + 1


def _complexity_issue(source: SourceFile, node: _Def, fn: FunctionMetrics, threshold: int) -> Issue:
    complexity = fn.cyclomatic_complexity or 0
    start, end = _name_position(source, node)
    return Issue(
        rule=QG201.id,
        tool=ANALYZER,
        type=QG201.type,
        severity=QG201.severity,
        message=(
            f"Function '{fn.qualified_name}' has a cyclomatic complexity of {complexity} "
            f"(threshold {threshold})"
        ),
        path=source.path,
        line=node.lineno,
        end_line=node.lineno,
        column=start + 1,
        end_column=end + 1,
        effort_minutes=QG201_BASE_EFFORT + (complexity - threshold),
        tags=QG201.tags,
    )
