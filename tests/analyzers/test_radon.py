"""The radon analyzer on real source files, checked against hand-counted values and radon's own functions."""

from __future__ import annotations

import ast
import inspect
import math
import sys
import textwrap
import time
import types
from pathlib import Path
from typing import Any, Optional

import pytest
from radon.metrics import h_visit, mi_compute, mi_visit
from radon.raw import analyze as radon_raw

from qgate.analyzers.base import AnalyzerContext, RuleSelection, RuleSettings, available_analyzers, load_analyzer
from qgate.analyzers.radon import QG201, RadonAnalyzer, mi_line_counts
from qgate.errors import ConfigError
from qgate.model import AnalysisError, FileReport, Issue, IssueType, Severity
from qgate.source import SourceFile, load_source

# Every decision point radon counts, one function each, with the hand count in the comment.
BRANCHES = textwrap.dedent(
    '''\
    def straight(a):
        return a + 1  # 1: no decision


    def if_elif_else(a):
        if a > 1:  # +1
            return 1
        elif a < 0:  # +1
            return -1
        else:  # else adds nothing
            return 0  # total 3


    def bool_ops(a, b, c):
        return a and b or c  # and +1, or +1 -> 3


    def loops(items):
        for item in items:  # +1
            while item:  # +1
                item -= 1
            else:  # while-else +1
                pass
        return items  # total 4


    def handlers(f):
        try:
            f()
        except ValueError:  # +1
            pass
        except (TypeError, KeyError):  # +1 (one handler)
            pass
        else:  # try-else +1
            pass
        finally:  # finally adds nothing
            pass  # total 4


    def comprehension(items):
        return [i for i in items if i if i > 2]  # for +1, two ifs +2 -> 4


    def lambda_and_ternary(a):
        key = lambda x: x if x else 0  # the lambda adds nothing, its conditional expression +1
        assert a  # +1
        return key(a) if a else None  # +1 -> 4


    def matching(command):
        match command:
            case "go":  # +1
                return 1
            case "stop":  # +1
                return 2
            case _:  # the wildcard adds nothing
                return 0  # total 3
    '''
)

EXPECTED_CC = {
    "straight": 1,
    "if_elif_else": 3,
    "bool_ops": 3,
    "loops": 4,
    "handlers": 4,
    "comprehension": 4,
    "lambda_and_ternary": 4,
    "matching": 3,
}

NESTING = textwrap.dedent(
    '''\
    import functools


    class Outer:
        class Inner:
            def method(self):
                return 1

        @functools.cache
        @staticmethod
        def decorated(x):
            def closure(y):
                def deeper():
                    return y
                return deeper if x else None
            return closure

        async def coro(self):
            async for _ in self:
                pass


    def factory(flag):
        class Local:
            def m(self):
                return 1 if flag else 2

        return Local


    @functools.wraps(factory)
    async def top_level_async():
        return None
    '''
)

# 1 + 7 ifs + for + if-with-and (2) + while + 2 handlers + comprehension with an if (2) = 16,
# one over the default threshold of 15.
TOO_COMPLEX = textwrap.dedent(
    '''\
    class Service:
        async def handle(self, request, retries):
            if request.a:
                pass
            if request.b:
                pass
            if request.c:
                pass
            if request.d:
                pass
            if request.e:
                pass
            if request.f:
                pass
            if request.g:
                pass
            for item in request.items:
                if item and retries:
                    pass
            while retries:
                retries -= 1
            try:
                pass
            except ValueError:
                pass
            except KeyError:
                pass
            return [x for x in request.rest if x]


    def small():
        return 1
    '''
)

REALISTIC = textwrap.dedent(
    '''\
    """Utilities for parsing a small configuration format.

    The format is line based: ``key = value`` pairs, ``#`` comments.
    """

    import re

    _PAIR = re.compile(r"^\\s*(\\w+)\\s*=\\s*(.*?)\\s*$")


    class ParseError(ValueError):
        """Raised on a malformed line."""


    def parse(text, strict=False):
        """Parse ``text`` into a dict.

        Unknown lines raise in strict mode and are skipped otherwise.
        """
        result = {}
        for number, line in enumerate(text.splitlines(), start=1):
            line = line.split("#", 1)[0]  # drop comments
            if not line.strip():
                continue
            match = _PAIR.match(line)
            if match is None:
                if strict:
                    raise ParseError(f"line {number}: {line!r}")
                continue
            key, value = match.groups()
            result[key] = _coerce(value)
        return result


    def _coerce(value):
        # Booleans first, then integers, then the raw string.
        lowered = value.lower()
        if lowered in ("true", "yes", "on"):
            return True
        if lowered in ("false", "no", "off"):
            return False
        try:
            return int(value)
        except ValueError:
            return value
    '''
)


def write(tmp_path: Path, rel: str, text: str) -> SourceFile:
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return load_source(rel, path)


def analyzer(tmp_path: Path, rules: Optional[dict[str, Any]] = None, **selection: Any) -> RadonAnalyzer:
    settings = {rule_id: RuleSettings(**value) for rule_id, value in (rules or {}).items()}
    return RadonAnalyzer(AnalyzerContext(root=tmp_path, selection=RuleSelection(rules=settings, **selection)))


def report_of(tmp_path: Path, rel: str, text: str, **kwargs: Any) -> FileReport:
    output = analyzer(tmp_path, **kwargs).analyze_file(write(tmp_path, rel, text))
    assert output.errors == ()
    (report,) = output.files
    return report


def test_registered_under_the_entry_point_group():
    assert "radon" in available_analyzers()
    assert load_analyzer("radon") is RadonAnalyzer
    assert RadonAnalyzer(AnalyzerContext(root=Path("/"))).rules() == (QG201,)


def test_cyclomatic_complexity_matches_hand_counts(tmp_path):
    report = report_of(tmp_path, "branches.py", BRANCHES)
    assert {f.qualified_name: f.cyclomatic_complexity for f in report.functions} == EXPECTED_CC
    assert report.measures["complexity"] == sum(EXPECTED_CC.values()) == 26
    assert all(f.cognitive_complexity is None for f in report.functions)


def test_functions_carry_qualnames_def_lines_and_are_sorted_by_line(tmp_path):
    report = report_of(tmp_path, "pkg/nesting.py", NESTING)
    assert report.path == "pkg/nesting.py"
    rows = [(f.name, f.qualified_name, f.line, f.end_line, f.cyclomatic_complexity) for f in report.functions]
    assert rows == [
        ("method", "Outer.Inner.method", 6, 7, 1),
        # decorated: the line of `def`, not of the first decorator (line 9)
        ("decorated", "Outer.decorated", 11, 16, 1),
        ("closure", "Outer.decorated.<locals>.closure", 12, 15, 2),
        ("deeper", "Outer.decorated.<locals>.closure.<locals>.deeper", 13, 14, 1),
        ("coro", "Outer.coro", 18, 20, 2),
        ("factory", "factory", 23, 28, 1),
        # radon's module visitor skips classes defined in functions: measured on its own
        ("m", "factory.<locals>.Local.m", 25, 26, 2),
        ("top_level_async", "top_level_async", 32, 33, 1),
    ]
    # Nested functions are not added into the enclosing one, so the file total is a plain sum.
    assert report.measures["complexity"] == 11


@pytest.mark.skipif(sys.version_info < (3, 11), reason="code objects carry co_qualname since 3.11")
def test_qualnames_are_pythons_own(tmp_path):
    """Compare with the __qualname__ CPython itself gives every function of the module."""
    pending = [compile(NESTING, "nesting.py", "exec")]
    python: set[tuple[str, str]] = set()
    while pending:
        code = pending.pop()
        pending.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
        if code.co_flags & inspect.CO_OPTIMIZED and not code.co_name.startswith("<"):  # functions, not class bodies
            python.add((code.co_name, code.co_qualname))
    report = report_of(tmp_path, "nesting.py", NESTING)
    assert {(f.name, f.qualified_name) for f in report.functions} == python
    assert len(python) == 8


def test_qg201_reports_at_the_function_name(tmp_path):
    output = analyzer(tmp_path).analyze_file(write(tmp_path, "svc.py", TOO_COMPLEX))
    assert output.errors == ()
    assert output.issues == (
        Issue(
            rule="QG201",
            tool="radon",
            type=IssueType.CODE_SMELL,
            severity=Severity.CRITICAL,
            message="Function 'Service.handle' has a cyclomatic complexity of 16 (threshold 15)",
            path="svc.py",
            line=2,
            end_line=2,
            column=15,  # `    async def handle`: the name starts at the 15th character
            end_column=21,
            effort_minutes=11,  # 10 at the threshold + 1 per point above it
            tags=("brain-overload",),
        ),
    )
    functions = {f.qualified_name: f.cyclomatic_complexity for f in output.files[0].functions}
    assert functions == {"Service.handle": 16, "small": 1}


def test_qg201_column_counts_characters_not_bytes(tmp_path):
    text = "# é\nclass É:\n    def ñame(self, a, b):\n        return a and b\n"
    output = analyzer(tmp_path, rules={"QG201": {"options": {"threshold": 1}}}).analyze_file(write(tmp_path, "u.py", text))
    (issue,) = output.issues
    assert (issue.line, issue.column, issue.end_column) == (3, 9, 13)
    assert issue.message == "Function 'É.ñame' has a cyclomatic complexity of 2 (threshold 1)"


def test_qg201_threshold_option_is_honoured(tmp_path):
    source = write(tmp_path, "svc.py", TOO_COMPLEX)
    assert analyzer(tmp_path, rules={"QG201": {"options": {"threshold": 16}}}).analyze_file(source).issues == ()
    (issue,) = analyzer(tmp_path, rules={"QG201": {"options": {"threshold": 10}}}).analyze_file(source).issues
    assert (issue.rule, issue.line, issue.column) == ("QG201", 2, 15)
    assert issue.message == "Function 'Service.handle' has a cyclomatic complexity of 16 (threshold 10)"
    assert issue.effort_minutes == 16


def test_qg201_not_reported_when_the_rule_is_disabled(tmp_path):
    source = write(tmp_path, "svc.py", TOO_COMPLEX)
    for disabled in (
        analyzer(tmp_path, ignore=("QG201",)),
        analyzer(tmp_path, select=("QG1",)),
        analyzer(tmp_path, rules={"QG201": {"enabled": False}}),
    ):
        output = disabled.analyze_file(source)
        assert output.issues == ()
        assert output.files[0].functions[0].cyclomatic_complexity == 16  # measures are still computed


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"threshold": "high"}, "tool.qgate.rules.QG201.options.threshold: Input should be a valid integer"),
        ({"threshold": 0}, "tool.qgate.rules.QG201.options.threshold: Input should be greater than or equal to 1"),
        ({"max": 3}, "unknown key 'tool.qgate.rules.QG201.options.max'"),
    ],
)
def test_bad_qg201_options_raise_config_error_naming_the_key(tmp_path, options, message):
    with pytest.raises(ConfigError) as info:
        analyzer(tmp_path, rules={"QG201": {"options": options}})
    assert str(info.value).startswith(message)


def test_maintainability_index_and_volume_agree_with_radon(tmp_path):
    report = report_of(tmp_path, "conf.py", REALISTIC)
    mi = report.measures["maintainability_index"]
    assert 0 <= mi <= 100
    # radon's own entry point, multi-line strings counted as comments (radon's default)
    assert mi == pytest.approx(mi_visit(REALISTIC, True), abs=0.01)
    assert report.measures["halstead_volume"] == round(h_visit(REALISTIC).total.volume, 2)
    assert report.measures["complexity"] == 2 + 7 == sum(f.cyclomatic_complexity for f in report.functions)


LLOC_CASES = {
    "docstrings": '''"""Module doc,

  on three lines."""


class A:
    """One line."""

    def f(self):
        """Two
        lines."""
        return 1
''',
    "clauses": "try:\n    x = 1\nexcept ValueError:\n    x = 2\nexcept KeyError: pass\nelse:\n    pass\nfinally:\n    pass\n"
    "for i in x:\n    pass\nelse:\n    pass\nwhile x: x -= 1\nelse: pass\n",
    "if_chains": "if a:\n    pass\nelif b:\n    pass\nelse:\n    if c:\n        pass\n    elif d: pass\n",
    "decorators": "@dec\n@dec2(key=lambda k: k)\ndef f(a: int = {1: 2}) -> dict:\n    return a\n\n@cls_dec\nclass C: pass\n",
    "colon_quirk": "x = d[1:2]\ny: int = 3\nz = {\n    'a': 1,\n}\nw = {**z}\nf = lambda: 0\nq = {k: v for k, v in z.items()}\n",
    "semicolons": "a = 1; b = 2\nif a: a = 3; b = 4\n",
    "match": "match p:\n    case {'k': v}:\n        pass\n    case [1, 2]: pass\n    case _:\n        pass\n",
    "with_multiline": "with open(a) as f, \\\n        open(b) as g:\n    data = f.read(\n        # a comment inside\n        10,\n    )\n",
}


@pytest.mark.parametrize("name", sorted(LLOC_CASES))
def test_mi_line_counts_reproduce_radon_raw_counts(tmp_path, name):
    text = LLOC_CASES[name]
    source = write(tmp_path, f"{name}.py", text)
    counts = mi_line_counts(ast.parse(text), source)
    raw = radon_raw(text)
    assert (counts.lloc, counts.multi, source.comment_lines) == (raw.lloc, raw.multi, raw.comments)
    # the documented sloc difference: comment-only lines inside a statement are code lines for radon
    inner_comments = 1 if name == "with_multiline" else 0
    assert counts.sloc == raw.sloc - inner_comments


def test_maintainability_index_on_trivial_and_huge_files(tmp_path):
    assert report_of(tmp_path, "empty.py", "").measures["maintainability_index"] == 100.0
    assert report_of(tmp_path, "one.py", "x = 1\n").measures["maintainability_index"] == 100.0
    huge = "".join(f"def f{i}(a):\n    return a * {i} + (a if a > {i} else -a)\n\n\n" for i in range(400))
    report = report_of(tmp_path, "huge.py", huge)
    assert report.measures["maintainability_index"] == pytest.approx(mi_visit(huge, True), abs=0.01)
    assert 0 <= report.measures["maintainability_index"] < 20


def test_maintainability_index_documented_difference_blank_lines_in_strings(tmp_path):
    """qgate's ncloc counts a blank line inside a multi-line string as code, radon's sloc does not.

    That changes only the comment percentage's denominator; everything else is radon's input exactly.
    """
    text = textwrap.dedent(
        '''\
        # A template with blank lines inside.
        TEMPLATE = """first

        second

        third"""


        def render(name, values, width):
            # fill in the template
            text = TEMPLATE.replace("first", name) if name else TEMPLATE
            for key, value in values.items():
                if key and value or width > 10:
                    text = text.replace(key, str(value).rjust(width - len(key)) * 2)
            return text.strip() + "\\n" * (width // 3 - 1)
        '''
    )
    report = report_of(tmp_path, "tpl.py", text)
    raw = radon_raw(text)
    assert (raw.sloc, raw.comments, raw.multi, raw.lloc) == (9, 2, 0, 7)
    source = write(tmp_path, "tpl.py", text)
    assert (source.ncloc, source.comment_lines) == (11, 2)  # the two blank lines of TEMPLATE are code here
    volume = h_visit(text).total.volume
    total_complexity = 6  # module 1 + if-expression, for, if, and, or
    ours = mi_compute(volume, total_complexity, 7, 2 / 11 * 100)
    assert report.measures["maintainability_index"] == round(ours, 2) == 88.75
    assert mi_visit(text, True) == pytest.approx(mi_compute(volume, total_complexity, 7, 2 / 9 * 100))
    assert round(mi_visit(text, True), 2) == 90.38


def test_unparsable_files_become_errors_and_the_others_are_still_analyzed(tmp_path):
    broken = write(tmp_path, "broken.py", "def ok():\n    return 1\n\ndef bad(:\n    pass\n")
    good = write(tmp_path, "good.py", "def fine():\n    return 1\n")
    output = analyzer(tmp_path).analyze([broken, good])
    assert output.errors == (AnalysisError(analyzer="radon", path="broken.py", line=4, message="cannot parse: invalid syntax"),)
    assert [(f.path, [fn.name for fn in f.functions]) for f in output.files] == [("good.py", ["fine"])]


def test_nul_bytes_and_absurd_nesting_are_errors_not_crashes(tmp_path):
    radon_analyzer = analyzer(tmp_path)
    nul = SourceFile(path="nul.py", abspath=str(tmp_path / "nul.py"), text="x = 1\x00\n")
    deep = write(tmp_path, "deep.py", "x = " + "-" * 100_000 + "1\n")
    parens = write(tmp_path, "parens.py", "x = " + "(" * 300 + ")" * 300 + "\n")
    errors = {e.path: e for e in radon_analyzer.analyze([nul, deep, parens]).errors}
    assert errors["nul.py"].message.startswith("cannot parse: ")
    assert "null bytes" in errors["nul.py"].message
    assert errors["deep.py"] == AnalysisError(analyzer="radon", path="deep.py", message="cannot analyze: code nested too deeply")
    assert errors["parens.py"].line == 1
    assert not any(e.fatal for e in errors.values())


def test_analysis_is_fast_enough_for_large_files(tmp_path):
    """Guard the one-parse design: a 4000-line file takes a small fraction of radon's raw.analyze time."""
    body = "".join(
        f"def f{i}(a, b):\n    '''doc'''\n    # comment\n    if a and b:\n        return [x for x in a if x]\n    return {{'k': a[1:]}}\n\n"
        for i in range(600)
    )
    source = write(tmp_path, "big.py", body)
    start = time.perf_counter()
    report = analyzer(tmp_path).analyze_file(source).files[0]
    elapsed = time.perf_counter() - start
    assert len(report.functions) == 600
    assert report.measures["maintainability_index"] == pytest.approx(mi_visit(body, True), abs=0.01)
    assert elapsed < 2.0
    assert not math.isnan(report.measures["halstead_volume"])
