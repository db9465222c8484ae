import time

import pytest

from qgate.model import Severity
from qgate.reporters import markdown

from .golden_support import assert_golden
from .sample_rich import many_issues_report, rich_report
from .sample_report import sample_report


@pytest.fixture(scope="module")
def huge_report():
    return many_issues_report(100_000, severities=(Severity.MINOR, Severity.CRITICAL))


def test_markdown_matches_golden_files():
    assert_golden("report.md", markdown.render(sample_report()))
    assert_golden("rich.md", markdown.render(rich_report()))


def test_markdown_starts_with_the_verdict_and_lists_new_issues_only():
    rendered = markdown.render(sample_report())
    assert rendered.startswith("## Quality gate: FAILED\n")
    assert "| new\\_violations | &gt; 0 | 2 | **failed** |  |" in rendered
    assert "| new\\_coverage | &lt; 80 | no value | no value | metric not computed |" in rendered
    assert "| critical | B602 | pkg/a.py:9 | subprocess call with shell=True |" in rendered
    assert rendered.index("B602") < rendered.index("QG101")  # most severe first
    assert "QG109" not in rendered and "QG108" not in rendered  # old, suppressed
    assert "### Analysis errors: 1 (0 fatal)" in rendered


def test_markdown_escapes_what_comes_from_the_code():
    rendered = markdown.render(rich_report())
    assert rendered.startswith("## Quality gate: ERROR\n")
    assert "| major | QG101 | app/a b.py:2 | Bare 'except:' \\| catches &lt;everything&gt; &amp; \\`more\\` |" in rendered
    assert "| major | QG101 | app/a b.py:7 | 100% sure: line two, end |" in rendered
    assert "\\*not\\* \\_emphasis\\_ \\[link\\](x) @&#8203;property |" in rendered
    assert "\x1b" not in rendered and "Division by zero \ufffd\\[31mé☃" in rendered
    assert "- **fatal** \\[semgrep\\] semgrep exited with code 2: invalid rule" in rendered
    for line in rendered.splitlines():
        if line.startswith("| ") and "Severity" not in line and "---" not in line:
            assert line.replace("\\|", "").count("|") in (5, 6), line  # no cell broken by a pipe


def test_markdown_caps_rows_and_stays_under_one_mebibyte(huge_report):
    start = time.perf_counter()
    rendered = markdown.render(huge_report)
    elapsed = time.perf_counter() - start
    assert len(rendered.encode("utf-8")) < markdown.MAX_BYTES
    rows = [line for line in rendered.splitlines() if line.startswith("| critical |") or line.startswith("| minor |")]
    assert len(rows) == 50 and all(row.startswith("| critical |") for row in rows)
    assert "... and 99950 more new issue(s), not shown." in rendered
    assert "### New issues: 100000" in rendered
    assert elapsed < 2.0


def test_markdown_long_texts_are_shortened_and_the_whole_cut_on_a_line_boundary():
    report = sample_report()
    long = report.issues[1].model_copy(update={"message": "<" * 10_000})
    report = report.model_copy(update={"issues": (report.issues[0], long, report.issues[2])})
    rendered = markdown.render(report)
    row = next(line for line in rendered.splitlines() if line.startswith("| critical |"))
    assert row.count("&lt;") == markdown.MAX_TEXT - 1 and row.endswith("\u2026 |")
    cut = markdown.render(report, max_bytes=600)
    assert len(cut.encode("utf-8")) <= 600
    assert cut.startswith("## Quality gate: FAILED\n")
    assert cut.endswith("\n_The summary was cut here: it exceeded the size limit. See the full report._\n")
    body = cut[: cut.index("\n_The summary")]
    assert rendered.startswith(body)  # whole lines only
