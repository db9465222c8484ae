"""Cognitive Complexity (qgate.analyzers.cst.cognitive) and rule QG116, checked by hand.

Expected values follow SonarQube's Python analyzer (sonar-python ``CognitiveComplexityVisitor`` and its
annotated resource ``metrics/cognitive-complexities.py``, file total 91, whose cases are re-written
here); each case says how its number is made up.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from qgate.analyzers.base import AnalyzerContext, RuleSelection, RuleSettings
from qgate.analyzers.cst import CstAnalyzer, cognitive
from qgate.analyzers.cst.engine import analyze_text, run_rules
from qgate.analyzers.cst.rules.cognitive_complexity import CognitiveComplexity
from qgate.analyzers.cst.rules.none_comparison import NoneComparison
from qgate.analyzers.radon import RadonAnalyzer
from qgate.model import AnalysisError, IssueType, Severity
from qgate.pipeline import merge_file_reports
from qgate.source import source_from_text


def measure(code: str) -> tuple[dict[str, int], int]:
    """Score of every function by qualified name, and the file's score."""
    source = source_from_text("m.py", textwrap.dedent(code))
    raw = run_rules(source.text, source.path, [], source.def_lines)
    assert raw.errors == [] and raw.cognitive is not None
    return {fn.qualified_name: fn.cognitive_complexity for fn in raw.cognitive.functions}, raw.cognitive.file_complexity


def score(code: str) -> int:
    """The score of the first function of ``code``."""
    functions, _ = measure(code)
    return next(iter(functions.values()))


# --- one increment at a time -------------------------------------------------------------------------

CASES = {
    "straight_line": (
        # no control flow: 0; calls, returns, assignments, raise, assert add nothing
        """
        def f(x):
            y = g(x)
            assert y, "no"
            raise ValueError(y)
        """,
        0,
    ),
    "if_elif_else": (
        # if +1, elif +1, else +1
        """
        def f(x):
            if x:
                pass
            elif y:
                pass
            else:
                pass
        """,
        3,
    ),
    "else_body_is_nested": (
        # if +1, else +1, the if inside the else body +2 (nesting 1)
        """
        def f(x):
            if x:
                pass
            else:
                if y:
                    pass
        """,
        4,
    ),
    "elif_body_is_nested": (
        # if +1, elif +1 (no nesting increment for elif itself), if in the elif body +2
        """
        def f(x):
            if x:
                pass
            elif y:
                if z:
                    pass
        """,
        4,
    ),
    "nested_ifs": (
        # +1, +2, +3
        """
        def f(x):
            if a:
                if b:
                    if c:
                        pass
        """,
        6,
    ),
    "nested_else_counts_flat": (
        # if +1, inner if +2, its else +1 (else never gets a nesting increment)
        """
        def f(x):
            if a:
                if b:
                    pass
                else:
                    pass
        """,
        4,
    ),
    "while_with_else": (
        # while +1, else +1, if in the else body +2
        """
        def f(x):
            while x:
                pass
            else:
                if y:
                    pass
        """,
        4,
    ),
    "for_and_async_for": (
        # for +1, async for inside it +2, if inside that +3, for-else +1
        """
        async def f(xs):
            for x in xs:
                async for y in x:
                    if y:
                        pass
            else:
                pass
        """,
        7,
    ),
    "try_except_finally": (
        # try body: no nesting, if +1; each except +1 and its if +2; finally body: no nesting, if +1
        """
        def f():
            try:
                if a:
                    pass
            except E1:
                if b:
                    pass
            except (E2, E3):
                if c:
                    pass
            finally:
                if d:
                    pass
        """,
        8,
    ),
    "try_else": (
        # except +1, try's else +1, if in the else body +2
        """
        def f():
            try:
                pass
            except E:
                pass
            else:
                if a:
                    pass
        """,
        4,
    ),
    "except_star": (
        # except* like except: +1 each, the if in the handler +2
        """
        def f():
            try:
                pass
            except* ValueError:
                if a:
                    pass
            except* TypeError:
                pass
        """,
        4,
    ),
    "except_inside_loop": (
        # for +1, except nested in the loop body +2, if in the handler +3
        """
        def f(xs):
            for x in xs:
                try:
                    go(x)
                except E:
                    if x:
                        pass
        """,
        6,
    ),
    "with_does_not_nest": (
        # with adds nothing and its body is not nested: if +1, for +2 (inside the if)
        """
        def f():
            with open(p) as fh, lock:
                if fh:
                    for line in fh:
                        pass
        """,
        3,
    ),
    "jumps_add_nothing": (
        # if +1, elif +1, while +1, if +2, elif +1; return/break/continue add nothing
        """
        def f(x):
            if x:
                return
            elif y:
                return 42
            while x:
                if y:
                    break
                elif z:
                    continue
        """,
        6,
    ),
    "recursion_adds_nothing": (
        # if +1, else +1; the recursive call adds nothing (sonar-python does not count it)
        """
        def f(n):
            if n:
                return 1
            else:
                return f(n - 1)
        """,
        2,
    ),
    "one_line_bodies_nest_too": (
        # if +1; the conditional expression in its one-line body is nested: +2
        """
        def f(x):
            if x: return 1 if y else 2
        """,
        3,
    ),
    "conditional_expression": (
        # +1
        """
        def f(x):
            return a if x else b
        """,
        1,
    ),
    "conditional_expression_in_else_branch": (
        # outer +1, inner (in the else branch, nested in the outer) +2
        """
        def f(x):
            return a if x else (b if y else c)
        """,
        3,
    ),
    "conditional_expression_in_true_branch": (
        # outer +1, inner (its true branch) +2
        """
        def f(x):
            return (a if x else b) if y else c
        """,
        3,
    ),
    "conditional_expression_in_if_test_is_not_nested": (
        # if +1; the condition of an if is not in its body: +1, not +2
        """
        def f(x):
            if (a if x else b):
                pass
        """,
        2,
    ),
    "conditional_expression_in_loop_body": (
        # for +1, conditional expression in the loop body +2
        """
        def f(xs):
            for x in xs:
                y = 1 if x else 2
        """,
        3,
    ),
    "comprehensions_add_nothing": (
        # sonar-python: comprehension for/if are not counted; the "and" in the filter +1,
        # the conditional expression +1 (comprehensions do not nest)
        """
        def f(xs):
            a = [x for x in xs if x and ok(x)]
            b = {k: v for k, v in xs for w in v if w}
            c = (1 if x else 0 for x in xs)
            return a, b, c
        """,
        2,
    ),
    "lambdas_add_nothing_and_do_not_nest": (
        # the lambda adds nothing; its conditional expression +1; inside the if body +2
        """
        def f(xs):
            key = lambda x: x if x else 0
            if xs:
                xs.sort(key=lambda x: -x if x else 0)
        """,
        4,
    ),
    "match_and_case_bodies": (
        # match and case patterns/guards add nothing; case bodies are nested: if +2, and +1,
        # and a nested match's case body one more: if +3
        """
        def f(command):
            match command:
                case ["go", direction] if direction:
                    if direction == "north":
                        pass
                case {"x": x} if x and command:
                    match x:
                        case 1:
                            if y:
                                pass
                case _:
                    pass
        """,
        6,
    ),
    "match_inside_if": (
        # if +1; match in the if body; the if in a case body: nesting 2, +3
        """
        def f(x):
            if x:
                match x:
                    case 1:
                        if y:
                            pass
        """,
        4,
    ),
    "while_condition_with_operators": (
        # while +1, "and" sequence +1, "or" after it +1
        """
        def f(x):
            while a and b or c:
                pass
        """,
        3,
    ),
}


@pytest.mark.parametrize(("code", "expected"), list(CASES.values()), ids=list(CASES))
def test_function_score(code: str, expected: int) -> None:
    assert score(code) == expected


# --- boolean operator sequences -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("a and b", 1),
        ("a and b and c", 1),  # one sequence of like operators
        ("a or b or c or d", 1),
        ("a and b or c", 2),  # and-sequence, then a change to or
        ("a or b and c", 2),  # precedence: a or (b and c) flattened: or, and
        ("a and b or c and d", 3),  # and, or, and: every change counts
        ("a and b or c or d", 2),
        ("a and (b or c)", 2),  # the parenthesized or starts its own sequence
        ("(a and b) and c", 2),  # parentheses start a new sequence even with the same operator
        ("a and not b", 1),  # not is neither an operator of the sequence nor a break
        ("a and not b and c", 1),
        ("a and not (b and c)", 2),  # the and under not is a separate sequence
        ("not (a or b)", 1),
        ("a == b", 0),
        ("f(a and b, c or d)", 2),  # two separate expressions
        ("[a and b for a in x]", 1),
        ("(a if b and c else d) or e", 3),  # or +1, conditional expression +1, and +1
    ],
)
def test_boolean_operator_sequences(expression: str, expected: int) -> None:
    assert score(f"def f():\n    return {expression}\n") == expected


# --- nested functions and classes -------------------------------------------------------------------------


def test_nested_function_counts_toward_the_enclosing_one_and_has_its_own_score() -> None:
    functions, total = measure(
        """
        def outer(x):
            if x:                    # +1
                pass
            def inner():             # not the decorator pattern: nesting +1
                if y:                # +2 in outer, +1 on its own
                    pass
        """
    )
    assert functions == {"outer": 3, "outer.<locals>.inner": 1}
    assert total == 3  # each function counted once


def test_nested_def_inside_a_structure_is_two_levels_deep() -> None:
    functions, _ = measure(
        """
        def outer(xs):
            for x in xs:             # +1
                def cb():            # defined in the loop body (nesting 1), its body at nesting 2
                    return 1 if x else 2   # +3 in outer, +1 on its own
        """
    )
    assert functions == {"outer": 4, "outer.<locals>.cb": 1}


def test_decorator_pattern_adds_no_nesting() -> None:
    functions, _ = measure(
        """
        def deco(func):
            @functools.wraps(func)
            def wrapper(*args):
                if args:             # +1: outer body is only the def and "return <name>"
                    return func(*args)
                return None
            return wrapper
        """
    )
    assert functions == {"deco": 1, "deco.<locals>.wrapper": 1}


def test_decorator_pattern_is_strict_as_in_sonar_python() -> None:
    # any other statement (here a docstring, or a return of something else than a name) breaks it
    functions, _ = measure(
        '''
        def deco(func):
            """Docstring."""
            def wrapper():
                if func:             # +2 in deco
                    pass
            return wrapper

        def deco2(func):
            def wrapper():
                if func:             # +2 in deco2 (nested)
                    pass
            return wrapper if func else None   # +1
        '''
    )
    assert functions == {
        "deco": 2,
        "deco.<locals>.wrapper": 1,
        "deco2": 3,
        "deco2.<locals>.wrapper": 1,
    }


def test_nested_functions_accumulate_through_several_levels() -> None:
    functions, total = measure(
        """
        def a():
            def b():                 # nesting 1 in a
                def c():             # nesting 2 in a, 1 in b
                    if x:            # +3 in a, +2 in b, +1 in c
                        pass
                if y:                # +2 in a, +1 in b
                    pass
            while z:                 # +1 in a
                pass
        """
    )
    assert functions == {"a": 6, "a.<locals>.b": 3, "a.<locals>.b.<locals>.c": 1}
    assert total == 6


def test_class_resets_nesting() -> None:
    functions, total = measure(
        """
        def f(a):
            def g(b):
                return 1 if b else 2     # +2 in f (g nested one level), +1 in g

            class C:
                def m(self, b):
                    return 1 if b else 2 # +1: the class resets nesting
                if a:                    # class-body code: +1, at level 0
                    pass

            return 1 if a else 2         # +1

        class Top:
            def method(self):
                if x:                    # +1
                    class Inner:
                        pass
        """
    )
    assert functions == {
        "f": 5,
        "f.<locals>.g": 1,
        "f.<locals>.C.m": 1,
        "Top.method": 1,
    }
    assert total == 6


def test_file_score_is_module_code_plus_every_function_once() -> None:
    functions, total = measure(
        """
        import os

        if os.name == "nt":          # +1 module level
            def helper():            # a def under module-level code starts at nesting 0
                if x:                # +1
                    pass
        elif os.name:                # +1
            pass
        else:                        # +1
            for a in b:              # +2: module-level code nests too
                pass

        VALUE = 1 if os.sep else 2   # +1

        def f():
            def g():                 # f's body holds only this def: the decorator pattern
                if y:                # (vacuously: no other statement), so +1 in f too
                    pass

        class C:
            X = [x for x in y if x or z]   # +1 in the class body

            def m(self):
                while q:             # +1
                    pass
        """
    )
    assert functions == {"helper": 1, "f": 1, "f.<locals>.g": 1, "C.m": 1}
    assert total == 1 + 1 + 1 + 1 + 2 + 1 + 1 + 1 + 1


def test_sonar_python_reference_file_totals_91() -> None:
    """sonar-python's cognitive-complexities.py case list, re-written: same shapes, same numbers."""
    code = """
        def zero(): pass                                   # =0
        def if_else():                                     # =3
            if c: pass
            elif c: pass
            else: pass
        def else_nesting():                                # =4
            if c: pass
            else:
                if c: pass
        def else_nested():                                 # =4
            if c:
                if c: pass
                else: pass
        def if_nested():                                   # =6
            if c:
                if c:
                    if c: pass
        def elif_nesting():                                # =4
            if c: pass
            elif c:
                if c: pass
        def while_c():                                     # =4
            while c:
                if c: pass
                else: pass
        def while_else():                                  # =4
            while c: pass
            else:
                if c: pass
        def for_c():                                       # =4
            for x in s:
                if c: pass
                else: pass
        def for_else():                                    # =4
            for x in s: pass
            else:
                if c: pass
        def try_except():                                  # =11
            try:
                if c: pass
            except E1:
                if c: pass
            except E2:
                if c: pass
            except (E3, E4):
                if c: pass
            finally:
                if c: pass
        def try_finally():                                 # =2
            try:
                if c: pass
            finally:
                if c: pass
        def try_else():                                    # =4
            try: pass
            except E: pass
            else:
                if c: pass
        def jumps():                                       # =6
            if c: return
            elif c: return 42
            while c:
                if c: break
                elif c: continue
        def recursion():                                   # =2
            if c: return 42
            else: return recursion()
        def nesting_func():                                # =3
            if c: pass
            def nested():
                if c: pass
        def decorator(fn):                                 # =1
            def wrapper():
                if c: print()
                fn()
            return wrapper
        def complex_decorator(fn):                         # =3
            def wrapper():
                if c: print()
                fn()
            return wrapper if c else None
        def and_or():                                      # =7
            foo(1 and 2 and 3 and 4)
            foo(1 or 2 or 3 or 4)
            foo(1 and 2 or 3 or 4)
            foo(1 and 2 or 3 and 4)
        class A:
            def method(self):                              # =1
                if c:
                    class B: pass
        def cond(): return t if c else f                   # =1
        def nested_cond_false(): x = t if c else (t if c else f)   # =3
        def nested_cond_true(): y = (t if c else f) if c else f    # =3
        def not_complex(fn):                               # =0
            def nested(): fn()
            fn()
            return nested
        if c: pass
        elif c: pass
        else: pass
        def with_nested_class(a):                          # =4
            def f(b): return 1 if b else 2
            class A:
                def m(self, b): return 1 if b else 2
            return 1 if b else 2
    """
    functions, total = measure(code)
    expected = {}
    for line in textwrap.dedent(code).splitlines():
        if "# =" in line:
            name = line.split("def ", 1)[1].split("(", 1)[0]
            expected[name] = int(line.rsplit("# =", 1)[1])
    top_level = {q.rsplit(".", 1)[-1]: v for q, v in functions.items() if "<locals>" not in q}
    assert top_level == expected
    assert total == 91


# --- positions: def lines and end lines without position metadata --------------------------------------

TRICKY = (
    "import functools\n"  # 1
    "\n"
    "@functools.lru_cache(maxsize=None)\n"  # 3
    "@other(\n"
    "    lambda x: x,\n"
    ")\n"
    "async def first(a,\n"  # 7
    "                b):\n"
    '    """A docstring\n'
    "    on two lines.\"\"\"\n"
    "    x = a + \\\n"
    "        b\n"
    "    return f'''{x}\n"
    "    '''  # ends here\n"  # 14
    "    # a trailing comment is not code\n"
    "\n"
    "class K:\n"  # 17
    "    def m(self): return 1\n"  # 18
    "\n"
    "    @property\n"
    "    def p(\n"  # 21
    "        self,\n"
    "    ):\n"
    "        def inner(): pass\n"  # 24
    "        return [\n"
    "            inner,\n"
    "        ]\n"  # 27
    "\n"
    "def last(): pass"  # 29, no final newline
)


def _lines(raw) -> list[tuple[str, int, int]]:
    return [(fn.qualified_name, fn.line, fn.end_line) for fn in raw.cognitive.functions]


EXPECTED_LINES = [
    ("first", 7, 14),
    ("K.m", 18, 18),
    ("K.p", 21, 27),
    ("K.p.<locals>.inner", 24, 24),
    ("last", 29, 29),
]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_def_and_end_lines_follow_ast(newline: str) -> None:
    text = TRICKY.replace("\n", newline)
    source = source_from_text("m.py", text)
    with_tokens = run_rules(text, "m.py", [], source.def_lines)
    from_walk = run_rules(text, "m.py", [], None)  # def lines from the walk's own line count
    assert _lines(with_tokens) == EXPECTED_LINES
    assert _lines(from_walk) == EXPECTED_LINES


def test_functions_agree_with_radon_and_merge(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text(TRICKY, encoding="utf-8")
    source = source_from_text("m.py", TRICKY, path)
    context = AnalyzerContext(root=tmp_path, selection=RuleSelection())
    cst_output = CstAnalyzer(context).analyze_file(source)
    radon_output = RadonAnalyzer(context).analyze_file(source)
    assert cst_output.errors == () and radon_output.errors == ()
    (cst_report,) = cst_output.files
    (radon_report,) = radon_output.files

    def key(report):
        return [(f.name, f.qualified_name, f.line, f.end_line) for f in report.functions]

    assert key(cst_report) == key(radon_report) == [
        ("first", "first", 7, 14),
        ("m", "K.m", 18, 18),
        ("p", "K.p", 21, 27),
        ("inner", "K.p.<locals>.inner", 24, 24),
        ("last", "last", 29, 29),
    ]
    assert cst_report.measures == {"cognitive_complexity": 0}
    (merged,) = merge_file_reports([source], [radon_report, cst_report])
    assert [(f.qualified_name, f.cyclomatic_complexity, f.cognitive_complexity) for f in merged.functions] == [
        ("first", 1, 0),
        ("K.m", 1, 0),
        ("K.p", 1, 0),
        ("K.p.<locals>.inner", 1, 0),
        ("last", 1, 0),
    ]


def test_analyzer_reports_measures_even_with_every_rule_disabled(tmp_path: Path) -> None:
    code = "def f(x):\n    if x and y:\n        return 1 if x else 2\n"
    source = source_from_text("a.py", code, tmp_path / "a.py")
    analyzer = CstAnalyzer(AnalyzerContext(root=tmp_path, selection=RuleSelection(select=("QG999",))))
    assert analyzer.specs == ()
    output = analyzer.analyze_file(source)
    (report,) = output.files
    # if +1, and +1, conditional expression in the if body +2
    assert report.measures == {"cognitive_complexity": 4}
    assert [(f.name, f.line, f.end_line, f.cognitive_complexity) for f in report.functions] == [("f", 1, 3, 4)]
    assert output.issues == ()


def test_syntax_error_gives_no_measures(tmp_path: Path) -> None:
    source = source_from_text("bad.py", "def f(:\n    pass\n", tmp_path / "bad.py")
    output = CstAnalyzer(AnalyzerContext(root=tmp_path)).analyze_file(source)
    assert output.files == ()
    assert [(e.analyzer, e.path, e.message.startswith("syntax error: ")) for e in output.errors] == [
        ("cst", "bad.py", True)
    ]


def test_a_crash_of_the_counter_is_an_error_and_rules_still_report(monkeypatch) -> None:
    def boom(self, node):
        raise RuntimeError("boom")

    monkeypatch.setattr(cognitive.CognitiveCounter, "visit_IfExp", boom)
    raw = run_rules("x = a if b else c\ny = x == None\n", "a.py", [(NoneComparison, None)])
    assert raw.cognitive is None
    assert raw.errors == [
        AnalysisError(analyzer="cst", path="a.py", message="cognitive complexity failed: RuntimeError: boom")
    ]
    issues, _ = analyze_text("x = a if b else c\ny = x == None\n", "a.py", [(NoneComparison, None)])
    assert [(i.rule, i.line, i.column) for i in issues] == [("QG112", 2, 5)]


# --- rule QG116 --------------------------------------------------------------------------------------------

COMPLEX = """\
def busy(a, b, c):
    if a:                           # +1
        for x in b:                 # +2
            if x:                   # +3
                while c:            # +4
                    if x and c:     # +5 +1
                        pass
    return 1 if a else 2            # +1


def helper(x):
    def nested():                   # the decorator pattern: no extra nesting
        if x:                       # +1
            for y in x:             # +2
                if y:               # +3
                    while y:        # +4
                        if y and x: # +5 +1
                            pass
    return nested                   # nested is not reported on its own (16 too)
"""


def qg116(code: str, **options: object) -> list[tuple[int, int, int, int, str, int]]:
    rule_options = CognitiveComplexity.Options.model_validate(options)
    issues, errors = analyze_text(code, "m.py", [(CognitiveComplexity, rule_options)])
    assert errors == []
    for issue in issues:
        assert (issue.rule, issue.tool, issue.type, issue.severity) == (
            "QG116",
            "cst",
            IssueType.CODE_SMELL,
            Severity.CRITICAL,
        )
    return [(i.line, i.column, i.end_line, i.end_column, i.message, i.effort_minutes) for i in issues]


def test_qg116_reports_at_the_function_name_with_sonar_message_and_effort() -> None:
    # busy: 1+2+3+4+5+1+1 = 17; helper: 16, all from nested
    assert qg116(COMPLEX) == [
        (1, 5, 1, 9, "Refactor this function to reduce its Cognitive Complexity from 17 to the 15 allowed.", 7),
        (11, 5, 11, 11, "Refactor this function to reduce its Cognitive Complexity from 16 to the 15 allowed.", 6),
    ]


def test_qg116_threshold_option_and_effort_per_point() -> None:
    assert qg116(COMPLEX, threshold=16) == [
        (1, 5, 1, 9, "Refactor this function to reduce its Cognitive Complexity from 17 to the 16 allowed.", 6),
    ]
    assert qg116(COMPLEX, threshold=17) == []
    code = "def f(x):\n    return x and y\n"
    assert qg116(code, threshold=0) == [
        (1, 5, 1, 6, "Refactor this function to reduce its Cognitive Complexity from 1 to the 0 allowed.", 6),
    ]


def test_qg116_via_the_analyzer_with_options_and_rule_info(tmp_path: Path) -> None:
    selection = RuleSelection(rules={"QG116": RuleSettings(options={"threshold": 16})})
    analyzer = CstAnalyzer(AnalyzerContext(root=tmp_path, selection=selection))
    output = analyzer.analyze_file(source_from_text("m.py", COMPLEX, tmp_path / "m.py"))
    qg116_issues = [(i.rule, i.line, i.column, i.effort_minutes) for i in output.issues if i.rule == "QG116"]
    assert qg116_issues == [("QG116", 1, 5, 6)]
    (report,) = output.files
    assert [(f.qualified_name, f.cognitive_complexity) for f in report.functions] == [
        ("busy", 17),
        ("helper", 16),
        ("helper.<locals>.nested", 16),
    ]
    assert report.measures == {"cognitive_complexity": 33}
    info = {r.id: r for r in analyzer.rules()}["QG116"]
    assert (info.name, info.severity, info.type, info.effort_minutes) == (
        "cognitive-complexity",
        Severity.CRITICAL,
        IssueType.CODE_SMELL,
        5,
    )
