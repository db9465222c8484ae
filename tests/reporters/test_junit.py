import xml.etree.ElementTree as ET

from qgate.reporters import junit

from .golden_support import assert_golden
from .sample_rich import rich_report
from .sample_report import sample_report


def parse(report):
    return ET.fromstring(junit.render(report).encode("utf-8"))


def test_junit_matches_golden_files():
    assert_golden("report.junit.xml", junit.render(sample_report()))
    assert_golden("rich.junit.xml", junit.render(rich_report()))


def test_junit_has_a_gate_suite_and_a_rules_suite_with_counts():
    root = parse(sample_report())
    assert root.tag == "testsuites"
    assert [s.get("name") for s in root.findall("testsuite")] == ["quality gate", "rules"]
    gate, rules = root.findall("testsuite")
    assert [c.get("name") for c in gate.findall("testcase")] == ["new_violations > 0", "new_coverage < 80"]
    failed, no_value = gate.findall("testcase")
    assert failed.find("failure").get("message") == "new_violations is 2; the gate fails when it is > 0"
    assert no_value.find("skipped").get("message") == "no value: metric not computed"
    assert (gate.get("tests"), gate.get("failures"), gate.get("skipped"), gate.get("errors")) == ("2", "1", "1", "0")
    # only new, active issues: QG109 (old) and QG108 (suppressed) are absent
    assert [c.get("name") for c in rules.findall("testcase")] == ["B602", "QG101"]
    assert [f.get("message") for f in rules.iter("failure")] == [
        "pkg/a.py:9: subprocess call with shell=True", "pkg/a.py:3: Bare 'except:' catches everything",
    ]
    assert (rules.get("tests"), rules.get("failures")) == ("2", "2")
    assert (root.get("tests"), root.get("failures"), root.get("skipped"), root.get("errors")) == ("4", "3", "1", "0")


def test_junit_escapes_hostile_text_and_reports_fatal_errors():
    root = parse(rich_report())
    gate, rules = root.findall("testsuite")
    analysis = gate.find("testcase[@name='analysis']")
    assert analysis.find("error").text == "[semgrep] semgrep exited with code 2: invalid rule"
    assert gate.find("testcase[@name='new_duplicated_lines_density > 3']/skipped") is not None
    assert (gate.get("tests"), gate.get("failures"), gate.get("errors"), gate.get("skipped")) == ("5", "1", "1", "2")
    qg101 = rules.find("testcase[@name='QG101 bare-except']")
    messages = [f.get("message") for f in qg101.findall("failure")]
    assert messages == [
        "app/a b.py:2: Bare 'except:' | catches <everything> & `more`",
        "app/a b.py:7: 100% sure:\nline two,\r\nend",
        "app/a b.py:9: *not* _emphasis_ [link](x) @property",
        "lib/z.py:2: an info",
    ]
    blocker = rules.find("testcase[@name='QG301 division-by-zero']/failure")
    assert blocker.get("message") == "lib/métier.py:1: Division by zero \\x1b[31mé☃"  # ESC is not valid XML 1.0
    assert blocker.get("type") == "blocker"
    assert (rules.get("tests"), rules.get("failures")) == ("4", "4")
    assert root.get("time") == "3.500"
