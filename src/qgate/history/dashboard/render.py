"""The dashboard's pages: :func:`render_site` turns a :class:`~qgate.history.dashboard.data.Dashboard` into
``{relative path: HTML}``. Pure: no store, no network, no file system.

Every page stands alone and works offline: CSS inline, charts inline SVG (:mod:`.charts`), no script, no
URL (links are relative, between the pages of the site), and a Content-Security-Policy that forbids
loading anything, so a browser would report any stray fetch. Every string that comes from the store
(project and branch names, paths, rule ids, conditions, the store's label) is HTML-escaped.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from html import escape
from typing import Optional

from qgate import __version__
from qgate.history.dashboard import charts
from qgate.history.dashboard.data import Dashboard, ProjectDashboard
from qgate.history.kpis import Rate

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

CSS = """
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #f6f8fa; --passed: #2e7d32; --failed: #c62828; --error: #757575; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { background: #24292f; color: #fff; padding: 14px 28px; }
header h1 { margin: 0; font-size: 20px; font-weight: 600; }
header p { margin: 4px 0 0; color: #c9d1d9; font-size: 12px; }
header a { color: #9ecbff; }
main { padding: 20px 28px 40px; max-width: 1200px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 14px 18px; margin: 0 0 18px; }
h2 { font-size: 16px; margin: 0 0 10px; }
h3 { font-size: 14px; margin: 14px 0 6px; }
.note { color: var(--muted); font-size: 12px; margin: 6px 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(250px, 1fr)); gap: 14px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; }
.card h2 { font-size: 15px; overflow-wrap: anywhere; }
.card a { color: inherit; text-decoration: none; }
.card a:hover { text-decoration: underline; }
.kpis { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 10px; }
.kpi { border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; }
.kpi .label { color: var(--muted); font-size: 12px; }
.kpi .value { font-size: 22px; font-weight: 600; }
.kpi .sub { color: var(--muted); font-size: 11px; }
.status { display: inline-block; border-radius: 10px; padding: 1px 9px; color: #fff; font-size: 12px; font-weight: 600; }
.status.passed { background: var(--passed); } .status.failed { background: var(--failed); } .status.error { background: var(--error); }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td .path, .path { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; overflow-wrap: anywhere; }
svg.chart { display: block; width: 100%; height: auto; max-width: 900px; }
.columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(380px, 1fr)); gap: 18px; }
"""

# ---------------------------------------------------------------------------------------------- formatting


def _text(value: object) -> str:
    return escape(str(value), quote=True)


def _when(moment: Optional[datetime]) -> str:
    return "-" if moment is None else moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _pct(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.1f}%"


def _hours(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.1f} h"


def _secs(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.2f} s"


def effort(minutes: int) -> str:
    """``45 min``, ``2 h 05 min``."""
    hours, rest = divmod(int(minutes), 60)
    return f"{rest} min" if not hours else f"{hours} h {rest:02d} min"


def _rate_sub(rate: Rate, what: str) -> str:
    return f"{rate.passed} of {rate.total} {what}" if rate.total else f"no {what}"


def project_slug(project: str) -> str:
    """A file name for a project's page: readable, ASCII, unique (a hash of the exact name)."""
    readable = re.sub(r"[^a-z0-9]+", "-", project.lower()).strip("-")[:40] or "project"
    digest = hashlib.sha256(project.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{readable}-{digest}"


def project_path(project: str) -> str:
    return f"projects/{project_slug(project)}.html"


def _status(status: str) -> str:
    kind = status if status in ("passed", "failed") else "error"
    return f'<span class="status {kind}">{_text(status)}</span>'


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: Iterable[int] = (), table_id: str = "") -> str:
    """A table; cells are HTML already (escape them first)."""
    nums = set(numeric)
    head = "".join(f'<th{" class=num" if i in nums else ""}>{_text(h)}</th>' for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f'<td{" class=num" if i in nums else ""}>{c}</td>' for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    ident = f' id="{_text(table_id)}"' if table_id else ""
    return f"<table{ident}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _page(title: str, header: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="qgate {_text(__version__)}">'
        '<link rel="icon" href="data:,">'
        f"<title>{_text(title)}</title><style>{CSS}</style></head>\n"
        f"<body><header>{header}</header>\n<main>{body}</main></body></html>\n"
    )


def _window(data: Dashboard) -> str:
    return f"analyses since {_when(data.since)}" if data.since else "every recorded analysis"


# ---------------------------------------------------------------------------------------------- index


def _card(p: ProjectDashboard) -> str:
    rate = p.kpis.pass_rate.overall
    latest = p.snapshot or (p.analyses[-1] if p.analyses else None)
    status = _status(latest.gate_status) if latest else "-"
    where = f" on {_text(latest.branch)}" if latest else ""
    return (
        f'<div class="card" data-project="{_text(p.project)}">'
        f'<h2><a href="{_text(project_path(p.project))}">{_text(p.project)}</a></h2>'
        f"<div>Latest gate{where}: {status}</div>"
        f'<div class="kpi"><div class="label">Gate pass rate</div><div class="value">{_pct(rate.percent)}</div>'
        f'<div class="sub">{_text(_rate_sub(rate, "analyses passed"))}</div></div>'
        f'<p class="note">{p.kpis.analyses} analyses, last {_when(latest.started_at if latest else None)}</p>'
        "</div>"
    )


def render_index(data: Dashboard) -> str:
    header = (
        "<h1>qgate dashboard</h1>"
        f"<p>{len(data.projects)} project(s), {_window(data)}. Generated {_when(data.generated_at)}"
        f" from {_text(data.store)}.</p>"
    )
    if not data.projects:
        body = '<section id="projects"><p>No analyses recorded yet: run <code>qgate check --record</code>.</p></section>'
    else:
        body = '<div class="cards" id="projects">' + "".join(_card(p) for p in data.projects) + "</div>"
    return _page("qgate dashboard", header, body)


# ---------------------------------------------------------------------------------------------- project page


def _kpi(key: str, label: str, value: str, sub: str) -> str:
    return (
        f'<div class="kpi" data-kpi="{key}"><div class="label">{_text(label)}</div>'
        f'<div class="value">{_text(value)}</div><div class="sub">{_text(sub)}</div></div>'
    )


def _kpis(p: ProjectDashboard) -> str:
    k = p.kpis
    rates = k.pass_rate
    mttr, escape_rate, durations = k.mttr.overall, k.escape_rate, k.duration_seconds
    snap = p.snapshot
    fixed = f"{mttr.count} issue(s) fixed on {k.lifecycle_branch}"
    at_snapshot = f"at the latest analysis of {p.focus_branch}" if snap else "no analysis of the branch"
    cards = [
        _kpi("pass_rate_overall", "Gate pass rate", _pct(rates.overall.percent), _rate_sub(rates.overall, "analyses")),
        _kpi("pass_rate_main", f"Pass rate on {k.main_branch}", _pct(rates.main_branch.percent),
             _rate_sub(rates.main_branch, "analyses")),
        _kpi("pass_rate_prs", "Pass rate on pull requests", _pct(rates.pull_requests.percent),
             _rate_sub(rates.pull_requests, "analyses")),
        _kpi("mttr_mean", "Time to remediation, mean", _hours(mttr.mean_hours), fixed),
        _kpi("mttr_median", "Time to remediation, median", _hours(mttr.median_hours), fixed),
        _kpi("escape_rate", "Defect escape rate", _pct(escape_rate.percent),
             f"{escape_rate.escaped} of {escape_rate.total} new issues not seen in a pull request"),
        _kpi("open_vulnerabilities", "Open vulnerabilities", str(snap.vulnerabilities) if snap else "-", at_snapshot),
        _kpi("open_hotspots", "Open security hotspots", str(snap.open_hotspots) if snap else "-", at_snapshot),
        _kpi("duration_p50", "Analysis duration p50", _secs(durations.p50), f"{durations.count} analyses"),
        _kpi("duration_p90", "Analysis duration p90", _secs(durations.p90), f"{durations.count} analyses"),
    ]
    return f'<section id="kpis"><h2>Key indicators</h2><div class="kpis">{"".join(cards)}</div></section>'


def _gate_history(p: ProjectDashboard, prefix: str) -> str:
    chart = charts.gate_history(p.analyses, f"{prefix}-gates") if p.analyses else '<p class="note">No analyses.</p>'
    rows = [
        [
            _text(_when(r.started_at)), _text(r.branch), _text(f"#{r.pull_request}" if r.pull_request is not None else ""),
            f'<span class="path">{_text((r.commit or "")[:12])}</span>', _status(r.gate_status),
            _text(r.issue_count), _text(_secs(r.duration_seconds)), "<br>".join(_text(c) for c in r.failed_conditions),
        ]
        for r in p.recent
    ]
    table = _table(["Started", "Branch", "PR", "Commit", "Gate", "Issues", "Duration", "Failed conditions"], rows,
                   numeric=(5, 6), table_id="recent-analyses")
    return (
        '<section id="gate-history"><h2>Quality gate history</h2>'
        f"{chart}<h3>Latest {len(p.recent)} of {len(p.analyses)} analyses</h3>{table}</section>"
    )


def _issue_trend(p: ProjectDashboard, prefix: str) -> str:
    if p.issue_trend:
        trend = charts.issue_trend(p.issue_trend, f"{prefix}-trend")
    else:
        trend = f'<p class="note">No analysis of {_text(p.focus_branch)} outside pull requests.</p>'
    weeks = p.kpis.new_issues_per_week
    weekly = charts.new_per_week(weeks, f"{prefix}-weekly") if weeks else '<p class="note">No new issues.</p>'
    return (
        '<section id="issue-trend"><h2>Issue trend by type</h2>'
        f'<p class="note">Open issues at each analysis of {_text(p.focus_branch)} (pull requests left out); security '
        "hotspots count until reviewed safe or fixed.</p>"
        f'{trend}<h3>New issues per week on {_text(p.kpis.lifecycle_branch)}</h3>{weekly}</section>'
    )


def _snapshot_note(p: ProjectDashboard) -> str:
    s = p.snapshot
    if s is None:
        return f'<p class="note">No analysis of {_text(p.focus_branch)} outside pull requests.</p>'
    commit = f", commit {_text(s.commit[:12])}" if s.commit else ""
    return f'<p class="note">From the latest analysis of {_text(s.branch)} ({_text(_when(s.started_at))}{commit}).</p>'


def _top_rules(p: ProjectDashboard) -> str:
    rows = [
        [_text(r.rule), _text(r.type.replace("_", " ")), _text(r.severity), _text(r.issues), _text(effort(r.effort_minutes))]
        for r in p.top_rules
    ]
    table = _table(["Rule", "Type", "Severity", "Open issues", "Effort"], rows, numeric=(3, 4), table_id="top-rules-table")
    empty = '<p class="note">No open issues.</p>' if p.snapshot and not rows else ""
    return f'<section id="top-rules"><h2>Top rules</h2>{_snapshot_note(p)}{table if rows else empty}</section>'


def _worst_files(p: ProjectDashboard) -> str:
    rows = [[f'<span class="path">{_text(f.path)}</span>', _text(effort(f.debt_minutes)), _text(f.code_smells), _text(f.issues)]
            for f in p.worst_debt]
    debt = (
        _table(["File", "Technical debt", "Code smells", "All issues"], rows, numeric=(1, 2, 3), table_id="worst-debt")
        if rows else '<p class="note">No technical debt.</p>'
    )
    if p.worst_complexity is None:
        complexity = (
            '<p class="note" id="complexity-unavailable">No per-file Cognitive Complexity for this analysis (recorded '
            "before the history kept file measures, or without the cst analyzer).</p>"
        )
    else:
        crows = [[f'<span class="path">{_text(f.path)}</span>', _text(f.cognitive_complexity)] for f in p.worst_complexity]
        complexity = _table(["File", "Cognitive Complexity"], crows, numeric=(1,), table_id="worst-complexity")
    return (
        '<section id="worst-files"><h2>Worst files</h2>'
        f"{_snapshot_note(p)}<div class=columns><div><h3>By technical debt</h3>"
        '<p class="note">Remediation effort of the file\'s code smells.</p>'
        f"{debt}</div><div><h3>By Cognitive Complexity</h3>{complexity}</div></div></section>"
    )


def _branches(p: ProjectDashboard) -> str:
    rows = [
        [_text(b.branch), _text(b.analyses), _text(b.opened), _text(b.fixed), _text(b.reopened), _text(b.open), _text(b.baseline)]
        for b in p.kpis.branches
    ]
    table = _table(["Branch", "Analyses", "Opened", "Fixed", "Reopened", "Open", "Baseline"], rows,
                   numeric=range(1, 7), table_id="branches-table")
    return f'<section id="branches"><h2>Issues per branch</h2>{table}</section>'


def render_project(p: ProjectDashboard, data: Dashboard) -> str:
    prefix = "c" + project_slug(p.project)[-8:]
    header = (
        f'<p><a href="../index.html">&larr; all projects</a></p><h1>{_text(p.project)}</h1>'
        f"<p>Main branch {_text(p.kpis.main_branch)}; {_window(data)}. Generated {_when(data.generated_at)}.</p>"
    )
    body = "".join(
        [_kpis(p), _gate_history(p, prefix), _issue_trend(p, prefix), _top_rules(p), _worst_files(p), _branches(p)]
    )
    return _page(f"{p.project} - qgate dashboard", header, body)


def render_site(data: Dashboard) -> dict[str, str]:
    """Every page of the site: ``index.html`` and ``projects/<slug>.html`` per project."""
    site = {"index.html": render_index(data)}
    for project in data.projects:
        site[project_path(project.project)] = render_project(project, data)
    return site
