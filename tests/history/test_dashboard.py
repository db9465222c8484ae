"""``qgate dashboard``: the pages rendered from a hand-built dashboard (escaping, no URL, every section), the
data loaded from a real store on both backends (histories of tests/history/dashboard_support.py), and the
command. The browser tests are in test_dashboard_browser.py."""

from __future__ import annotations

import argparse
import re
from collections import Counter
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from qgate.cli import dashboard as command
from qgate.errors import InputError, UsageError
from qgate.history.dashboard.charts import gate_history
from qgate.history.dashboard.data import (
    Dashboard,
    FileComplexity,
    FileDebt,
    GateRun,
    ProjectDashboard,
    RuleCount,
    TypeCounts,
    focus_branch,
    load_dashboard,
)
from qgate.history.dashboard.render import effort, project_path, project_slug, render_site
from qgate.history.kpis import AnalysisRecord, History, WeekCount, compute_kpis
from qgate.history.store import open_store

from .dashboard_support import (
    APP_PROJECT,
    HOSTILE,
    HOSTILE_PATH,
    day,
    pipeline_analyses,
    record_pipeline_series,
    record_scripted_series,
)

EVIL = '<script>alert("x")</script>'


class Page(HTMLParser):
    """A parsed page: its tags (name, attributes), its text, its ids."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.chunks: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.chunks).split())

    def named(self, tag: str) -> list[dict[str, str]]:
        return [attrs for name, attrs in self.tags if name == tag]

    def ids(self) -> list[str]:
        return [attrs["id"] for _, attrs in self.tags if "id" in attrs]

    def kpi(self, key: str) -> str:
        """The text of the KPI card ``key`` (label, value, sub-line)."""
        match = re.search(rf'data-kpi="{key}">(.*?)</div></div>', self.source)
        assert match, key
        return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def parse(html: str) -> Page:
    page = Page(html)
    page.source = html
    return page


# ---------------------------------------------------------------------------------------------- a hand-built dashboard


def record(id: int, hours: float, status: str, *, branch: str = "main", pr=None, vulns: int = 0) -> AnalysisRecord:
    return AnalysisRecord(
        id=id, project=EVIL, branch=branch, pull_request=pr, started_at=day(0) + timedelta(hours=hours),
        duration_seconds=float(id), gate_status=status, vulnerabilities=vulns, open_hotspots=2, commit=str(id) * 40,
    )


ANALYSES = (
    record(1, 0, "passed"), record(2, 5, "failed", branch=f"feat/{EVIL}", pr=9), record(3, 24, "failed", vulns=3),
    record(4, 48, "error"),
)


def hand_built(complexity=None) -> Dashboard:
    kpis = compute_kpis(History(analyses=ANALYSES))
    project = ProjectDashboard(
        project=EVIL,
        focus_branch="main",
        kpis=kpis,
        analyses=ANALYSES,
        recent=tuple(
            GateRun(id=a.id, started_at=a.started_at, branch=a.branch, pull_request=a.pull_request, commit=a.commit,
                    gate_status=a.gate_status, issue_count=a.id, duration_seconds=a.duration_seconds,
                    failed_conditions=(f"{EVIL} > 0 (actual 1)",) if a.gate_status == "failed" else ())
            for a in reversed(ANALYSES)
        ),
        issue_trend=tuple(
            TypeCounts(analysis_id=a.id, started_at=a.started_at,
                       counts={"bug": a.id, "vulnerability": 1, "code_smell": 2 * a.id, "security_hotspot": 0})
            for a in ANALYSES if a.pull_request is None
        ),
        snapshot=ANALYSES[3],
        top_rules=(RuleCount(rule=f"R{EVIL}", type="code_smell", severity="major", issues=4, effort_minutes=125),),
        worst_debt=(FileDebt(path=f"src/{EVIL}.py", debt_minutes=45, code_smells=3, issues=4),),
        worst_complexity=complexity,
    )
    project = project.model_copy(update={"kpis": kpis.model_copy(update={"new_issues_per_week": (WeekCount(week="2025-W10", count=3),)})})
    return Dashboard(generated_at=day(3), store=f"/data/{EVIL}.db", projects=(project,))


@pytest.fixture(scope="module")
def site() -> dict[str, str]:
    return render_site(hand_built())


def test_site_has_an_index_and_a_page_per_project(site):
    slug = project_slug(EVIL)
    assert re.fullmatch(r"script-alert-x-script-[0-9a-f]{8}", slug)
    assert sorted(site) == ["index.html", f"projects/{slug}.html"]
    index = parse(site["index.html"])
    assert [a["href"] for a in index.named("a")] == [f"projects/{slug}.html"]
    assert [a["data-project"] for a in index.named("div") if "data-project" in a] == [EVIL]
    assert "Latest gate on main: error" in index.text and "Gate pass rate 25.0% 1 of 4 analyses passed" in index.text
    page = parse(site[project_path(EVIL)])
    assert [a["href"] for a in page.named("a")] == ["../index.html"]


def test_every_store_string_is_escaped(site):
    for path, html in site.items():
        assert "<script" not in html, path  # no script at all, and the hostile ones are text
        assert EVIL not in html, path
        page = parse(html)
        assert page.named("script") == [] and page.named("img") == []
        assert EVIL in page.text, path  # shown, as text
    project = site[project_path(EVIL)]
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in project
    text = parse(project).text
    for shown in (f"feat/{EVIL}", f"src/{EVIL}.py", f"R{EVIL}", f"{EVIL} > 0 (actual 1)"):
        assert shown in text, shown
    assert f"from /data/{EVIL}.db." in parse(site["index.html"]).text


def test_pages_hold_no_url_and_load_nothing(site):
    for path, html in site.items():
        assert not re.search(r"(?i)(https?:|ftp:|//[a-z0-9])", html), path
        page = parse(html)
        for tag, attrs in page.tags:
            for name in ("src", "href", "xlink:href", "action"):
                value = attrs.get(name, "")
                assert value == "" or value.startswith(("#", "data:", "../index.html", "projects/")), (path, tag, value)
        csp = [m["content"] for m in page.named("meta") if m.get("http-equiv") == "Content-Security-Policy"]
        assert csp == ["default-src 'none'; style-src 'unsafe-inline'; img-src data:"]
        assert [t for t in page.named("link")] == [{"rel": "icon", "href": "data:,"}]


def test_project_page_has_every_section_and_kpi(site):
    html = site[project_path(EVIL)]
    page = parse(html)
    sections = [a["id"] for a in page.named("section")]
    assert sections == ["kpis", "gate-history", "issue-trend", "top-rules", "worst-files", "branches"]
    assert page.kpi("pass_rate_overall") == "Gate pass rate 25.0% 1 of 4 analyses"
    assert page.kpi("pass_rate_main") == "Pass rate on main 33.3% 1 of 3 analyses"
    assert page.kpi("pass_rate_prs") == "Pass rate on pull requests 0.0% 0 of 1 analyses"
    assert page.kpi("mttr_mean") == "Time to remediation, mean - 0 issue(s) fixed on main"
    assert page.kpi("escape_rate") == "Defect escape rate - 0 of 0 new issues not seen in a pull request"
    assert page.kpi("open_vulnerabilities") == "Open vulnerabilities 0 at the latest analysis of main"
    assert page.kpi("open_hotspots") == "Open security hotspots 2 at the latest analysis of main"
    assert page.kpi("duration_p50") == "Analysis duration p50 2.50 s 4 analyses"
    assert page.kpi("duration_p90") == "Analysis duration p90 3.70 s 4 analyses"


def test_project_page_tables(site):
    text = parse(site[project_path(EVIL)]).text
    assert f"{EVIL} code smell major 4 2 h 05 min" in text  # top rules
    assert f"src/{EVIL}.py 45 min 3 4" in text  # worst files by debt
    assert "No per-file Cognitive Complexity for this analysis" in text
    assert "Latest 4 of 4 analyses" in text
    assert f"2025-03-03 14:00 UTC feat/{EVIL} #9 222222222222 failed 2 2.00 s {EVIL} > 0 (actual 1)" in text


def test_charts_are_inline_svg_with_ids_unique_on_the_page(site):
    html = site[project_path(EVIL)]
    page = parse(html)
    charts = page.named("svg")
    prefix = "c" + project_slug(EVIL)[-8:]
    assert [(c["id"], c["class"], c["role"]) for c in charts] == [
        (f"{prefix}-gates", "chart", "img"), (f"{prefix}-trend", "chart", "img"), (f"{prefix}-weekly", "chart", "img")
    ]
    assert all(re.fullmatch(r"0 0 [\d.]+ [\d.]+", c["viewbox"]) for c in charts)
    duplicated = [i for i, n in Counter(page.ids()).items() if n > 1]
    assert duplicated == []
    for reference in re.findall(r'(?:href="#|url\(#)([^")]+)', html):
        assert reference in page.ids(), reference
    for legend in ("passed", "failed", "error", "Bugs", "Vulnerabilities", "Code smells", "Security hotspots", "2025-W10"):
        assert f">{legend}</text>" in html or f"> {legend}</text>" in html, legend


def test_cognitive_complexity_table_when_the_data_has_it():
    site = render_site(hand_built(complexity=(FileComplexity(path=f"{EVIL}.py", cognitive_complexity=31),)))
    page = parse(site[project_path(EVIL)])
    assert f"By Cognitive Complexity File Cognitive Complexity {EVIL}.py 31" in page.text
    assert "not recorded" not in page.text


def test_rendering_is_deterministic():
    first, second = render_site(hand_built()), render_site(hand_built())
    assert first == second


def test_empty_store_renders_an_index_only():
    site = render_site(Dashboard(generated_at=day(0), store="h.db"))
    assert list(site) == ["index.html"]
    assert "0 project(s), every recorded analysis. Generated 2025-03-03 09:00 UTC from h.db." in parse(site["index.html"]).text
    assert "No analyses recorded yet" in site["index.html"]


def test_gate_history_goes_weekly_over_long_spans():
    long = tuple(record(i, 24 * 7 * i, "passed") for i in range(1, 12))
    svg = gate_history(long, "g")
    assert "analyses per week" in svg and "analyses per day" not in svg
    assert "analyses per day" in gate_history(ANALYSES, "g")


def test_effort_and_slug_formats():
    assert [effort(m) for m in (0, 45, 60, 125)] == ["0 min", "45 min", "1 h 00 min", "2 h 05 min"]
    assert project_slug("acme/app") != project_slug("acme-app")
    assert project_slug("acme/app").startswith("acme-app-") and project_slug("../..").startswith("project-")


def test_focus_branch_falls_back_to_the_latest_recorded_branch():
    develop = History(analyses=(record(1, 0, "passed", branch="develop"), record(2, 1, "passed", branch="x", pr=3)))
    assert focus_branch(develop) == "develop"
    assert focus_branch(develop, "develop") == "develop"
    assert focus_branch(History(analyses=ANALYSES)) == "main"
    assert focus_branch(History()) == "main"


# ---------------------------------------------------------------------------------------------- data from a real store


@pytest.fixture(scope="module")
def real_analyses(tmp_path_factory):
    return pipeline_analyses(tmp_path_factory.mktemp("dashboard-pipeline"))


@pytest.fixture
def filled_store(store_url, tmp_path, real_analyses) -> str:
    record_pipeline_series(store_url, tmp_path, real_analyses)
    record_scripted_series(store_url, tmp_path)
    return store_url


@pytest.fixture
def loaded(filled_store, tmp_path) -> Dashboard:
    with open_store(filled_store, tmp_path, create=False) as store:
        return load_dashboard(store, now=day(30))


def test_load_dashboard_kpis_of_the_scripted_project(loaded):
    assert [p.project for p in loaded.projects] == [HOSTILE, APP_PROJECT]
    hostile = loaded.projects[0]
    assert (hostile.focus_branch, len(hostile.analyses), len(hostile.recent)) == ("main", 26, 20)
    rates = hostile.kpis.pass_rate
    assert [(r.passed, r.total, r.percent) for r in (rates.overall, rates.main_branch, rates.pull_requests)] == [
        (19, 26, 73.08), (15, 20, 75.0), (4, 6, 66.67)
    ]
    assert (hostile.kpis.mttr.overall.mean_hours, hostile.kpis.mttr.overall.median_hours) == (136.0, 144.0)
    assert (hostile.snapshot.started_at, hostile.snapshot.vulnerabilities, hostile.snapshot.open_hotspots) == (day(19), 1, 1)


def test_load_dashboard_trend_and_snapshot_of_the_scripted_project(loaded):
    hostile = loaded.projects[0]
    trend = {p.started_at: p.counts for p in hostile.issue_trend}
    assert len(trend) == 20 and day(3.5) not in trend  # main only: the pull requests are left out
    assert trend[day(0)] == {"bug": 0, "vulnerability": 1, "code_smell": 4, "security_hotspot": 1}
    assert trend[day(4)] == {"bug": 1, "vulnerability": 1, "code_smell": 5, "security_hotspot": 1}
    assert trend[day(12)] == {"bug": 0, "vulnerability": 1, "code_smell": 4, "security_hotspot": 1}
    assert [(r.rule, r.type, r.issues, r.effort_minutes) for r in hostile.top_rules] == [
        ("QG108", "code_smell", 2, 10), ("B105", "security_hotspot", 1, 5), ("B602", "vulnerability", 1, 5),
        ("QG101", "code_smell", 1, 5), ("QG112", "code_smell", 1, 5),
    ]
    assert [(f.path, f.debt_minutes, f.code_smells, f.issues) for f in hostile.worst_debt] == [
        (HOSTILE_PATH, 15, 3, 4), ("lib/util.py", 5, 1, 2)
    ]
    assert hostile.worst_complexity is None


def test_load_dashboard_recent_analyses_of_the_scripted_project(loaded):
    hostile = loaded.projects[0]
    newest = hostile.recent[0]
    assert (newest.started_at, newest.branch, newest.pull_request, newest.gate_status) == (day(24), "feature", 5, "passed")
    failed = {r.started_at: r.failed_conditions for r in hostile.recent if r.failed_conditions}
    assert failed == {
        day(21): ("new_violations > 0 (actual 0)",), day(19): ("new_violations > 0 (actual 1)",),
        day(15): ("new_violations > 0 (actual 1)",), day(11): ("new_violations > 0 (actual 0)",),
        day(7): ("new_violations > 0 (actual 1)",),
    }



def test_load_dashboard_of_the_pipeline_project(loaded):
    """acme/app: the real pipeline's reports, recorded as GitHub Actions runs."""
    app = loaded.projects[1]
    assert [(a.branch, a.pull_request, a.gate_status, a.issue_count) for a in app.analyses] == [
        ("main", None, "failed", 3), ("main", None, "passed", 0), ("main", None, "failed", 1), ("feature", 3, "passed", 0)
    ]
    rates = app.kpis.pass_rate
    assert [(r.passed, r.total) for r in (rates.overall, rates.main_branch, rates.pull_requests)] == [(2, 4), (1, 3), (1, 1)]
    assert (app.kpis.mttr.overall.count, app.kpis.mttr.overall.mean_hours, app.kpis.mttr.overall.median_hours) == (2, 24.0, 24.0)
    assert (app.kpis.escape_rate.escaped, app.kpis.escape_rate.total) == (3, 3)
    assert [p.counts["code_smell"] for p in app.issue_trend] == [3, 0, 1]
    assert [(r.rule, r.issues, r.effort_minutes) for r in app.top_rules] == [("QG108", 1, 2)]
    assert [(f.path, f.debt_minutes) for f in app.worst_debt] == [("app.py", 2)]
    assert app.recent[1].failed_conditions == ("new_violations > 0 (actual 1)",)


def test_load_dashboard_of_one_project_since_a_date(filled_store, tmp_path):
    with open_store(filled_store, tmp_path, create=False) as store:
        data = load_dashboard(store, now=day(30), project=HOSTILE, since=day(19))
        assert [p.project for p in load_dashboard(store, now=day(30), since=day(19)).projects] == [HOSTILE]
        with pytest.raises(InputError, match=r"has no analyses of project 'acme/app' in that period"):
            load_dashboard(store, now=day(30), project=APP_PROJECT, since=day(19))
        with pytest.raises(InputError, match=r"has no analyses of project 'nope'"):
            load_dashboard(store, now=day(30), project="nope")
    (hostile,) = data.projects
    assert [a.started_at for a in hostile.analyses] == [day(n) for n in range(19, 25)]
    assert [p.started_at for p in hostile.issue_trend] == [day(19)]
    assert hostile.kpis.pass_rate.overall.passed == 3 and hostile.kpis.pass_rate.overall.total == 6


# ---------------------------------------------------------------------------------------------- the command


def parse_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="qgate")
    command.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["dashboard", *argv])


def test_command_writes_the_site(tmp_path, real_analyses, capsys):
    url = f"sqlite:///{tmp_path / 'store' / 'history.db'}"
    record_pipeline_series(url, tmp_path, real_analyses)
    out = tmp_path / "site"
    assert command.run(parse_args("-o", str(out), "--database-url", url)) == 0
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert written == ["index.html", project_path(APP_PROJECT)]
    assert f"qgate: dashboard of 1 project(s) written to {out / 'index.html'}" in capsys.readouterr().err
    index = parse((out / "index.html").read_text())
    assert "Gate pass rate 50.0% 2 of 4 analyses passed" in index.text

    assert command.run(parse_args("-o", str(out), "--database-url", url, "--project", APP_PROJECT, "--since", "2025-03-04")) == 0
    page = parse((out / project_path(APP_PROJECT)).read_text())  # since midnight: day 1, day 2 and the pull request
    assert page.kpi("pass_rate_overall") == "Gate pass rate 66.7% 2 of 3 analyses"


def test_command_refuses_a_missing_store_and_a_file_as_output(tmp_path):
    with pytest.raises(InputError, match=r"no history store at .*missing\.db"):
        command.run(parse_args("-o", str(tmp_path / "site"), "--database-url", str(tmp_path / "missing.db")))
    assert not (tmp_path / "site").exists()
    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError, match=r"--output .*file: not a folder"):
        command.run(parse_args("-o", str(tmp_path / "file"), "--database-url", str(tmp_path / "missing.db")))
    with pytest.raises(SystemExit):
        parse_args("--database-url", "x.db")  # -o is required
