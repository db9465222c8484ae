from qgate.model import Severity
from qgate.reporters import github

from .golden_support import assert_golden
from .sample_rich import issue, many_issues_report, rich_report
from .sample_report import sample_report


def test_github_matches_golden_files():
    assert_golden("report.github.txt", github.render(sample_report()))
    assert_golden("rich.github.txt", github.render(rich_report()))


def test_github_annotates_new_issues_most_severe_first():
    lines = github.render(sample_report()).splitlines()
    assert lines == [
        "::error file=pkg/a.py,line=9,endLine=9,col=1,endColumn=5,title=B602 (critical vulnerability)::subprocess call with shell=True",
        "::warning file=pkg/a.py,line=3,endLine=3,col=5,endColumn=9,title=QG101 (major code smell)::Bare 'except:' catches everything",
    ]


def test_github_escapes_data_and_properties():
    assert github.escape_data("100% a\r\nb:c,d") == "100%25 a%0D%0Ab:c,d"
    assert github.escape_property("a:b,c%d\ne") == "a%3Ab%2Cc%25d%0Ae"
    hostile = issue("QG101", "code_smell", Severity.MINOR, "dir,x/a:b%.py", 3, "50% done\nthen::set-env x,y:z")
    assert github.command(hostile) == (
        "::notice file=dir%2Cx/a%3Ab%25.py,line=3,endLine=3,col=1,endColumn=4,"
        "title=QG101 (minor code smell)::50%25 done%0Athen::set-env x,y:z"
    )
    lines = github.render(rich_report()).splitlines()
    assert "::error file=app/run%2Ccmd%3Ax.py,line=4,endLine=4,col=1,endColumn=4," in lines[1]
    assert lines[4].endswith("::100%25 sure:%0Aline two,%0D%0Aend")
    assert lines[0].endswith("::Division by zero \ufffd[31mé☃")  # no raw terminal escape in the job log
    assert lines[2] == "::error file=app/tok.py,line=10,endLine=40,title=QG201 (critical code smell)::Cognitive complexity 31 > 15"
    assert all("QGS101" not in line and "X999" not in line for line in lines)  # not new


def test_github_shows_what_github_keeps_and_counts_the_rest():
    report = many_issues_report(45, severities=(Severity.BLOCKER, Severity.MAJOR, Severity.INFO))  # 15 of each level
    lines = github.render(report).splitlines()
    levels = [line.split(" ", 1)[0].split("::")[1] for line in lines]
    assert levels == ["error"] * 10 + ["warning"] * 10 + ["notice"] * 9 + ["notice"]
    assert lines[-1] == (
        "::notice title=qgate::16 more new issue(s) are not annotated here "
        "(GitHub shows at most 10 annotations of each level per step); see the full report."
    )
    assert "line=1," in lines[0] and "issue number 0 " in lines[0]  # first blocker by location


def test_github_prints_nothing_without_new_issues_and_no_notice_under_the_limits():
    assert github.render(many_issues_report(30, new=False)) == ""
    lines = github.render(many_issues_report(10, severities=(Severity.CRITICAL,))).splitlines()
    assert len(lines) == 10 and all(line.startswith("::error file=pkg/mod000.py,") for line in lines)
