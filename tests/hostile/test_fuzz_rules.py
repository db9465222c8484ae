"""Fuzz pass over the libcst rules: real Python (qgate's own sources and the fixtures) mutated by hypothesis
(lines deleted, duplicated, swapped; random tokens inserted; indentation changed; text truncated) and run through
``CstAnalyzer.analyze_file``. It must never raise: an unparsable result is an AnalysisError, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qgate.analyzers.base import AnalyzerContext
from qgate.analyzers.cst import CstAnalyzer
from qgate.source import source_from_text
from support import FIXTURES, REPO

CORPUS_FILES = sorted((REPO / "src" / "qgate" / "analyzers" / "cst" / "rules").glob("*.py"))[:12] + sorted(
    (FIXTURES / "projects").rglob("*.py")
)[:8]
SNIPPETS = [
    "def f(a=[]):\n    try:\n        return a[0]\n    except:\n        pass\n",
    "class C:\n    def m(self, x):\n        if x == None:\n            if x:\n                return {1: 2, 1: 3}\n",
    "async def g():\n    async with a as b:\n        await b\n    return [x async for x in y]\n",
    "match command:\n    case [x, *rest] if x:\n        print(rest)\n    case _:\n        pass\n",
    "lambda *a, **k: (yield)\n@decorator\ndef h[T](x: T) -> T:\n    return x\n",
    "# TODO fix\n# FIXME later\nassert (a, 'message')\nwhile True:\n    break\nelse:\n    ...\n",
]
TOKENS = ["def", "class", "(", ")", "[", "]", "{", "}", ":", "=", "lambda", "\\", "'", '"', '"""', "#", "@",
          "async", "await", "yield", "if", "else", "try:", "except", "return", "\t", "    ", "\u00e9", "\x0c", ";", ","]


def corpus() -> list[str]:
    texts = list(SNIPPETS)
    for path in CORPUS_FILES:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        texts.extend("".join(lines[i : i + 40]) for i in range(0, len(lines), 40))
    return texts


TEXTS = corpus()


@st.composite
def mutated(draw) -> str:
    lines = draw(st.sampled_from(TEXTS)).splitlines(keepends=True) or ["\n"]
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "indent", "dedent", "truncate", "crlf"]))
        i = draw(st.integers(0, max(len(lines) - 1, 0)))
        if not lines:
            lines = ["\n"]
        if op == "delete" and len(lines) > 1:
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "insert":
            column = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:column] + draw(st.sampled_from(TOKENS)) + lines[i][column:]
        elif op == "indent":
            lines[i] = draw(st.sampled_from(["  ", "    ", "\t", " "])) + lines[i]
        elif op == "dedent":
            lines[i] = lines[i].lstrip(" \t")
        elif op == "truncate":
            text = "".join(lines)
            lines = [text[: draw(st.integers(0, len(text)))]]
            lines = "".join(lines).splitlines(keepends=True) or [""]
        elif op == "crlf":
            lines[i] = lines[i].replace("\n", "\r\n")
    return "".join(lines)


@pytest.fixture(scope="module")
def analyzer(tmp_path_factory) -> CstAnalyzer:
    return CstAnalyzer(AnalyzerContext(root=tmp_path_factory.mktemp("fuzz")))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(mutated())
def test_cst_rules_never_raise_on_mutated_sources(analyzer, text):
    source = source_from_text("fuzz.py", text)
    output = analyzer.analyze_file(source)  # must not raise
    lines = max(len(text.splitlines()), 1)
    for issue in output.issues:
        assert issue.path == "fuzz.py"
        assert 1 <= issue.line <= issue.end_line <= lines + 1
    for error in output.errors:
        assert error.path == "fuzz.py" and error.analyzer == "cst" and not error.fatal
        assert "\n" not in error.message


def test_corpus_is_big_enough():
    assert len(TEXTS) >= 30
    assert any("def " in text for text in TEXTS)
