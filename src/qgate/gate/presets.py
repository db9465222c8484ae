"""Named gate presets. ``qgate-way`` mirrors SonarQube's built-in "Sonar way" gate on new code."""

from __future__ import annotations

from qgate.errors import ConfigError
from qgate.model import Condition

PRESETS: dict[str, tuple[Condition, ...]] = {
    "qgate-way": (
        Condition(metric="new_violations", op="gt", threshold=0),
        Condition(metric="new_coverage", op="lt", threshold=80),
        Condition(metric="new_duplicated_lines_density", op="gt", threshold=3),
        Condition(metric="new_security_hotspots_reviewed", op="lt", threshold=100),
    ),
    # AI Code Assurance: applied instead of the configured preset when the change is AI-written
    # (qgate.ai.assess). qgate-way, stricter on duplication, plus: no new issue of the `ai` pack,
    # no function of the change above 10 cognitive complexity points, and the whole project at
    # security rating A with every security hotspot reviewed.
    "qgate-way-ai": (
        Condition(metric="new_violations", op="gt", threshold=0),
        Condition(metric="new_coverage", op="lt", threshold=80),
        Condition(metric="new_duplicated_lines_density", op="gt", threshold=1),
        Condition(metric="new_security_hotspots_reviewed", op="lt", threshold=100),
        Condition(metric="new_ai_violations", op="gt", threshold=0),
        Condition(metric="new_max_cognitive_complexity", op="gt", threshold=10),
        Condition(metric="security_rating", op="gt", threshold=1),
        Condition(metric="security_hotspots_reviewed", op="lt", threshold=100),
    ),
    # Only the issue count: for projects without coverage or duplication data.
    "no-new-issues": (Condition(metric="new_violations", op="gt", threshold=0),),
}

# Conditions on these metrics are ignored when the change is small (SonarQube's small-change rule).
SMALL_CHANGE_METRICS = frozenset(
    {
        "new_coverage",
        "new_line_coverage",
        "new_branch_coverage",
        "new_duplicated_lines_density",
        "new_duplicated_lines",
    }
)


def preset_conditions(name: str) -> tuple[Condition, ...]:
    try:
        return PRESETS[name]
    except KeyError:
        known = ", ".join(sorted(PRESETS))
        raise ConfigError(f"unknown gate preset {name!r} (known: {known})") from None


def effective_conditions(preset: str | None, extra: tuple[Condition, ...]) -> tuple[Condition, ...]:
    """The preset's conditions, each replaced by a configured condition on the same metric, plus the rest."""
    base = list(preset_conditions(preset)) if preset else []
    overrides = {c.metric: c for c in extra}
    merged = [overrides.pop(c.metric, c) for c in base]
    merged.extend(c for c in extra if c.metric in overrides and overrides[c.metric] is c)
    return tuple(merged)
