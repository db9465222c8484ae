"""The dashboard's charts: matplotlib figures saved as SVG text, made fit to inline in an HTML page.

Figures are built with :class:`matplotlib.figure.Figure` directly (never pyplot), so no GUI backend is
loaded and no global figure state is kept; text stays text (``svg.fonttype = none``), and every id of a
chart is prefixed with the chart's own id, so several charts on one page never share an id. The SVG
prolog, the DOCTYPE and the namespace declarations (HTML parses inline SVG without them) are removed:
the markup holds no URL at all. Output is deterministic for the same data (fixed hash salt, no date).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from html import escape
from typing import Any

import matplotlib
from matplotlib import dates as mdates
from matplotlib.figure import Figure

from qgate.history.kpis import AnalysisRecord, WeekCount

STATUS_COLORS = {"passed": "#2e7d32", "failed": "#c62828", "error": "#757575"}
TYPE_COLORS = {"bug": "#c62828", "vulnerability": "#8e24aa", "code_smell": "#1565c0", "security_hotspot": "#ef6c00"}
TYPE_LABELS = {"bug": "Bugs", "vulnerability": "Vulnerabilities", "code_smell": "Code smells", "security_hotspot": "Security hotspots"}
WEEKLY_AFTER_DAYS = 62
"""Gate history bars are per day up to this span, per ISO week beyond."""

_RC = {
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e6e6e6",
    "axes.axisbelow": True,
}
_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}
_ID = re.compile(r'\bid="([^"]+)"')
_DROP = re.compile(r'\s(?:xmlns(?::\w+)?|version|width|height)="[^"]*"')


def _utc(moment: datetime) -> datetime:
    """matplotlib's dates want naive values: UTC."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo is not None else moment


def _figure(height: float = 2.6) -> tuple[Figure, Any]:
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(8.0, height))  # fixed margins: a layout engine would draw every chart twice
        fig.subplots_adjust(left=0.08, right=0.98, top=0.95, bottom=0.62 / height)
        return fig, fig.subplots()


def _date_axis(ax: Any) -> None:
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _svg(fig: Figure, chart_id: str, label: str) -> str:
    """The figure as inline-ready SVG markup (see the module docstring)."""
    buffer = io.StringIO()
    with matplotlib.rc_context({**_RC, "svg.hashsalt": chart_id}):
        fig.savefig(buffer, format="svg", metadata=_METADATA)
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    head_end = text.index(">")
    head = _DROP.sub("", text[:head_end])
    body = text[head_end:]
    ids = set(_ID.findall(body))
    for old in sorted(ids, key=len, reverse=True):
        new = f"{chart_id}-{old}"
        body = body.replace(f'id="{old}"', f'id="{new}"').replace(f'href="#{old}"', f'href="#{new}"')
        body = body.replace(f"url(#{old})", f"url(#{new})")
    title = f"<title>{escape(label)}</title>"
    return f'{head} id="{escape(chart_id)}" class="chart" role="img" aria-label="{escape(label)}"{body[:1]}{title}{body[1:]}'


def _day_start(moment: datetime) -> datetime:
    return _utc(moment).replace(hour=0, minute=0, second=0, microsecond=0)


def gate_buckets(analyses: Sequence[AnalysisRecord]) -> tuple[bool, dict[datetime, dict[str, int]]]:
    """(weekly?, {day or week start (naive UTC): {status: analyses}}); an unknown status counts as error."""
    days = [_day_start(a.started_at) for a in analyses]
    weekly = bool(days) and (max(days) - min(days)).days > WEEKLY_AFTER_DAYS
    buckets: dict[datetime, dict[str, int]] = {}
    for day, a in zip(days, analyses):
        key = day - timedelta(days=day.weekday()) if weekly else day
        row = buckets.setdefault(key, dict.fromkeys(STATUS_COLORS, 0))
        row[a.gate_status if a.gate_status in row else "error"] += 1
    return weekly, dict(sorted(buckets.items()))


def _day_axis(ax: Any, first: datetime, last: datetime) -> None:
    """Whole days: a tick every day or every few days, never hours."""
    locator = mdates.DayLocator(interval=max(1, ((last - first).days + 1) // 8))
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_xlim(first - timedelta(days=0.2), last + timedelta(days=1.2))


def gate_history(analyses: Sequence[AnalysisRecord], chart_id: str) -> str:
    """Stacked bars of passed / failed / error gates per day (per ISO week over long spans)."""
    fig, ax = _figure()
    weekly, buckets = gate_buckets(analyses)
    keys = list(buckets)
    offset, width = (timedelta(days=3.5), 5.0) if weekly else (timedelta(days=0.5), 0.7)
    bottom = [0] * len(keys)
    for status, color in STATUS_COLORS.items():
        values = [buckets[k][status] for k in keys]
        ax.bar([k + offset for k in keys], values, width=width, bottom=bottom, color=color, label=status)
        bottom = [b + v for b, v in zip(bottom, values)]
    ax.set_ylabel("analyses per week" if weekly else "analyses per day")
    ax.yaxis.get_major_locator().set_params(integer=True)
    if keys and not weekly:
        _day_axis(ax, keys[0], keys[-1])
    else:
        _date_axis(ax)
    ax.legend(loc="upper left", ncols=3, frameon=False, fontsize=8)
    ax.set_ylim(0, max(bottom, default=0) * 1.3 + 0.5)
    return _svg(fig, chart_id, "Quality gate status of the analyses over time")


def issue_trend(points: Sequence[Any], chart_id: str) -> str:
    """One line per issue type: the active issues of each analysis (``TypeCounts`` points, oldest first)."""
    fig, ax = _figure()
    xs = [_utc(p.started_at) for p in points]
    for kind, color in TYPE_COLORS.items():
        ax.plot(xs, [p.counts.get(kind, 0) for p in points], marker="o", markersize=3, linewidth=1.6, color=color,
                label=TYPE_LABELS[kind])
    ax.set_ylabel("open issues")
    ax.set_ylim(bottom=0)
    ax.yaxis.get_major_locator().set_params(integer=True)
    _date_axis(ax)
    ax.legend(loc="upper left", ncols=4, frameon=False, fontsize=8)
    top = max((max(p.counts.values(), default=0) for p in points), default=0)
    ax.set_ylim(0, top * 1.3 + 1)
    return _svg(fig, chart_id, "Open issues by type at each analysis")


def new_per_week(weeks: Sequence[WeekCount], chart_id: str) -> str:
    """Bars of the issues introduced per ISO week."""
    fig, ax = _figure(2.2)
    ax.bar(range(len(weeks)), [w.count for w in weeks], color="#1565c0", width=0.6)
    step = max(1, len(weeks) // 12)
    ax.set_xticks(range(0, len(weeks), step), [w.week for w in weeks][::step])
    ax.set_ylabel("new issues")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_ylim(0, max((w.count for w in weeks), default=0) * 1.2 + 1)
    return _svg(fig, chart_id, "New issues introduced per week")
