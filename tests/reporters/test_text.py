from qgate.reporters import text

from .golden_support import assert_golden
from .sample_report import sample_report


def test_text_report_matches_golden_file():
    assert_golden("report.txt", text.render(sample_report()))


def test_text_report_lists_only_new_issues_and_the_verdict():
    rendered = text.render(sample_report())
    assert "pkg/a.py\n  3:5  major    QG101 Bare 'except:' catches everything" in rendered
    assert "QG109" not in rendered  # not new
    assert "Quality gate (qgate-way): FAILED" in rendered


def test_no_escape_codes_without_color_and_some_with_it():
    assert "\x1b[" not in text.render(sample_report(), color=False)
    assert "\x1b[" in text.render(sample_report(), color=True)
