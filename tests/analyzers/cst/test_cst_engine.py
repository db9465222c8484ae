"""The engine and the analyzer: one parse, one traversal, lazy positions, errors as data."""

from __future__ import annotations

from pathlib import Path

import libcst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from qgate.analyzers.base import AnalyzerOutput, RuleSelection, RuleSettings, load_analyzer
from qgate.analyzers.cst import CstAnalyzer, engine
from qgate.analyzers.cst.engine import analyze_text, node_spans, visitor_methods
from qgate.analyzers.cst.rule import CstRule
from qgate.analyzers.cst.rules.none_comparison import NoneComparison
from qgate.errors import ConfigError
from qgate.model import AnalysisError, IssueType, Severity

SMELLY = "def f(x):\n    if x == None:\n        print(x)\n"
CLEAN = "def f(x):\n    return x is None\n"


def positions(output: AnalyzerOutput) -> list[tuple[str, str, int, int]]:
    return [(i.path, i.rule, i.line, i.column) for i in output.issues]


def test_entry_point_loads_the_analyzer(make_analyzer) -> None:
    assert load_analyzer("cst") is CstAnalyzer
    infos = make_analyzer().rules()
    assert [r.id for r in infos][:3] == ["QG101", "QG102", "QG103"]
    assert {r.analyzer for r in infos} == {"cst"}


def test_one_parse_per_file(monkeypatch, write_sources, make_analyzer) -> None:
    calls: list[int] = []
    real_parse = libcst.parse_module

    def counting_parse(source, *args, **kwargs):
        calls.append(1)
        return real_parse(source, *args, **kwargs)

    monkeypatch.setattr(libcst, "parse_module", counting_parse)
    sources = write_sources({"a.py": SMELLY, "b.py": CLEAN, "pkg/c.py": SMELLY})
    output = make_analyzer().analyze(sources)
    assert len(calls) == 3
    assert positions(output) == [
        ("a.py", "QG112", 2, 8),
        ("a.py", "QG108", 3, 9),
        ("pkg/c.py", "QG112", 2, 8),
        ("pkg/c.py", "QG108", 3, 9),
    ]


class _Recorder(CstRule):
    """Records the nodes it sees (test rule)."""

    id = "QG901"
    name = "recorder-a"
    type = IssueType.CODE_SMELL
    severity = Severity.INFO
    effort_minutes = 0
    events: list[tuple[str, str, str]] = []

    def visit_Name(self, node: libcst.Name) -> None:
        self.events.append((self.id, "visit", node.value))

    def leave_Name(self, original_node: libcst.Name) -> None:
        self.events.append((self.id, "leave", original_node.value))


class _OtherRecorder(_Recorder):
    """Records the nodes it sees, too (test rule)."""

    id = "QG902"
    name = "recorder-b"


def test_all_rules_run_in_one_traversal(monkeypatch) -> None:
    walks: list[int] = []
    real_walk = engine._BatchedWalk.walk

    def counting_walk(self, root):
        walks.append(1)
        return real_walk(self, root)

    monkeypatch.setattr(engine._BatchedWalk, "walk", counting_walk)
    _Recorder.events = []
    analyze_text("a = b\n", "m.py", [(_Recorder, None), (_OtherRecorder, None)])
    assert walks == [1]
    # interleaved node by node, in lexical order: a single walk drives both rules
    assert _Recorder.events == [
        ("QG901", "visit", "a"),
        ("QG902", "visit", "a"),
        ("QG901", "leave", "a"),
        ("QG902", "leave", "a"),
        ("QG901", "visit", "b"),
        ("QG902", "visit", "b"),
        ("QG901", "leave", "b"),
        ("QG902", "leave", "b"),
    ]


def test_syntax_error_is_data_and_other_files_are_analyzed(write_sources, make_analyzer) -> None:
    py2 = 'import os\n\nprint "hello"\n'
    sources = write_sources({"a_py2.py": py2, "b.py": SMELLY})
    output = make_analyzer().analyze(sources)
    assert len(output.errors) == 1
    error = output.errors[0]
    assert (error.analyzer, error.path, error.line, error.fatal) == ("cst", "a_py2.py", 3, False)
    assert error.message.startswith("syntax error: ")
    assert positions(output) == [("b.py", "QG112", 2, 8), ("b.py", "QG108", 3, 9)]


def test_bracket_nesting_that_would_crash_libcst_is_a_syntax_error() -> None:
    deep = "x = 1\ny = " + "[" * 2000 + "]" * 2000 + "\n"
    assert analyze_text(deep, "deep.py", [(NoneComparison, None)]) == (
        [],
        [AnalysisError(analyzer="cst", path="deep.py", line=2, message="syntax error: too many nested parentheses")],
    )
    # many brackets, some in strings, but no deep nesting: analyzed normally
    fine = "s = '" + "(" * 300 + "'\nok = s == None\n" + "t = [[1]]\n" * 200
    issues, errors = analyze_text(fine, "fine.py", [(NoneComparison, None)])
    assert errors == [] and [(i.line, i.column) for i in issues] == [(2, 6)]


def test_disabled_rules_do_not_run(write_sources, make_analyzer) -> None:
    sources = write_sources({"a.py": SMELLY})
    ignored = make_analyzer(RuleSelection(ignore=("QG108",))).analyze(sources)
    assert positions(ignored) == [("a.py", "QG112", 2, 8)]
    selected = make_analyzer(RuleSelection(select=("print-call",))).analyze(sources)
    assert positions(selected) == [("a.py", "QG108", 3, 9)]
    disabled = make_analyzer(RuleSelection(rules={"QG112": RuleSettings(enabled=False)}))
    assert "QG112" not in [rule.id for rule, _ in disabled.specs]
    assert positions(disabled.analyze(sources)) == [("a.py", "QG108", 3, 9)]


def test_rule_options_are_validated_and_applied(write_sources, make_analyzer) -> None:
    with pytest.raises(ConfigError, match=r"tool\.qgate\.rules\.QG114\.options\.max"):
        make_analyzer(RuleSelection(rules={"QG114": RuleSettings(options={"max": "many"})}))
    with pytest.raises(ConfigError, match=r"tool\.qgate\.rules\.QG114\.options\.maximum"):
        make_analyzer(RuleSelection(rules={"QG114": RuleSettings(options={"maximum": 3})}))
    sources = write_sources({"a.py": "def f(a, b, c):\n    return a\n"})
    strict = make_analyzer(RuleSelection(select=("QG114",), rules={"QG114": RuleSettings(options={"max": 2})}))
    assert positions(strict.analyze(sources)) == [("a.py", "QG114", 1, 5)]


def test_options_of_a_disabled_rule_are_not_validated(make_analyzer) -> None:
    analyzer = make_analyzer(RuleSelection(rules={"QG114": RuleSettings(enabled=False, options={"max": "x"})}))
    assert "QG114" not in [rule.id for rule, _ in analyzer.specs]


def test_severity_override_from_rule_settings(write_sources, make_analyzer) -> None:
    sources = write_sources({"a.py": SMELLY})
    analyzer = make_analyzer(RuleSelection(rules={"QG112": RuleSettings(severity=Severity.BLOCKER)}))
    by_rule = {i.rule: i.severity for i in analyzer.analyze(sources).issues}
    assert by_rule == {"QG112": Severity.BLOCKER, "QG108": Severity.MINOR}


class _Crashing(CstRule):
    """Crashes on every comparison (test rule)."""

    id = "QG903"
    name = "crashing"
    type = IssueType.BUG
    severity = Severity.MAJOR
    effort_minutes = 1

    def visit_Name(self, node: libcst.Name) -> None:
        if node.value == "f":
            self.report(node, "partial report, dropped when the rule crashes")

    def visit_Comparison(self, node: libcst.Comparison) -> None:
        raise RuntimeError("boom")


def test_a_crashing_rule_becomes_an_error_and_other_rules_still_report() -> None:
    issues, errors = analyze_text(SMELLY, "a.py", [(_Crashing, None), (NoneComparison, None)])
    assert [(i.rule, i.line, i.column) for i in issues] == [("QG112", 2, 8)]
    assert errors == [AnalysisError(analyzer="cst", path="a.py", message="rule QG903 (crashing) crashed: RuntimeError: boom")]


def test_positions_are_only_computed_for_files_with_reports(monkeypatch) -> None:
    calls: list[int] = []
    real = engine.node_spans

    def counting(module):
        calls.append(1)
        return real(module)

    monkeypatch.setattr(engine, "node_spans", counting)
    assert analyze_text(CLEAN, "a.py", [(NoneComparison, None)]) == ([], [])
    assert calls == []
    issues, _ = analyze_text(SMELLY, "a.py", [(NoneComparison, None)])
    assert [(i.line, i.column, i.end_line, i.end_column) for i in issues] == [(2, 8, 2, 17)]
    assert calls == [1]


def test_columns_count_characters_and_lines_follow_crlf_and_missing_final_newline() -> None:
    text = "s = 'héllo'\r\nif s == None: pass\r\nt = 'ü' != None"
    issues, _ = analyze_text(text, "a.py", [(NoneComparison, None)])
    assert [(i.line, i.column, i.end_line, i.end_column) for i in issues] == [(2, 4, 2, 13), (3, 5, 3, 16)]


def test_form_feed_dropped_by_libcst_keeps_lines_right() -> None:
    issues, errors = analyze_text("\x0cx = None == 1\ny = 2 != None\n", "a.py", [(NoneComparison, None)])
    assert errors == []
    assert [(i.line, i.column) for i in issues] == [(1, 5), (2, 5)]


def test_issue_fields_and_order(write_sources, make_analyzer) -> None:
    code = "x = {1: 2, 1: 3}  # TODO\nassert (x, 'm')\n"
    issues = make_analyzer().analyze(write_sources({"a.py": code})).issues
    assert [(i.rule, i.line, i.column) for i in issues] == [("QG106", 1, 12), ("QG109", 1, 19), ("QG113", 2, 1)]
    todo = issues[1]
    assert (todo.tool, todo.type, todo.severity, todo.cwe, todo.effort_minutes) == (
        "cst",
        IssueType.CODE_SMELL,
        Severity.INFO,
        (546,),
        0,
    )
    assert (todo.line_hash, todo.fingerprint, todo.new, todo.suppression) == ("", "", False, None)


def test_attribute_visitors_are_rejected() -> None:
    class AttrVisitor(CstRule):
        """Uses an attribute visitor (test rule)."""

        id = "QG904"
        name = "attr-visitor"
        type = IssueType.BUG
        severity = Severity.MAJOR
        effort_minutes = 1

        def visit_If_body(self, node: libcst.If) -> None:
            pass

    with pytest.raises(TypeError, match="visit_If_body"):
        visitor_methods(AttrVisitor)


def test_bad_rule_declaration_fails_at_import_time() -> None:
    with pytest.raises(TypeError, match="not kebab-case"):

        class BadRule(CstRule):
            """Bad."""

            id = "QG905"
            name = "Bad_Name"
            type = IssueType.BUG
            severity = Severity.MAJOR
            effort_minutes = 1


def test_offsets_match_libcst_position_provider_on_real_files() -> None:
    root = Path(engine.__file__).resolve().parent  # the cst analyzer package itself: real, varied code
    checked = 0
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        module = libcst.parse_module(text)
        expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        spans, length = node_spans(module)
        assert length == len(text)
        index = engine._LineIndex(text)
        for node, rng in expected.items():
            start, end = spans[node]
            assert index.point(start) == (rng.start.line, rng.start.column + 1), (path, node)
            assert index.point(end) == (rng.end.line, rng.end.column + 1), (path, node)
            checked += 1
    assert checked > 20_000
