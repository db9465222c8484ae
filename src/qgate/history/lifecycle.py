"""The issue lifecycle across the analyses of one branch of one project. Pure functions.

Each analysis recorded on a branch is compared with the branch's *tracked issues* (one row per issue
ever seen there, carrying its latest rule, path, line, line hash, message and fingerprint):

* an issue of the analysis matching an **open** tracked issue keeps it open (its location is updated);
* one matching a **closed** tracked issue reopens it (``reopen_count`` + 1; first-seen time kept);
* one matching nothing is **opened**: a new tracked issue, first seen at this analysis;
* an open tracked issue matched by nothing is **fixed**: closed at this analysis.

Matching is one-to-one: first by equal fingerprint, then the remaining issues through the tracking
cascade of new-code detection (:func:`qgate.newcode.tracking.track`: rule and path must agree, then
line + line hash + message, line hash + message, line + message, line hash). Open issues are matched
before closed ones, so a second copy of a still-open issue reopens an old one rather than stealing
the open one's history.
"""

from __future__ import annotations

from collections.abc import Sequence

from qgate.model import Frozen, Issue
from qgate.newcode.tracking import track


class TrackedState(Frozen):
    """What matching reads from a tracked issue (the store's row, latest values)."""

    id: int
    rule: str
    path: str
    line: int
    line_hash: str
    message: str
    fingerprint: str


class LifecyclePlan(Frozen):
    """The transitions one analysis causes. Indices point into the analysis' issues; ids are tracked ids."""

    still_open: tuple[tuple[int, int], ...] = ()
    """(issue index, tracked id) of issues already open."""
    reopened: tuple[tuple[int, int], ...] = ()
    """(issue index, tracked id) of closed issues seen again."""
    opened: tuple[int, ...] = ()
    """Issue indices seen for the first time."""
    fixed: tuple[int, ...] = ()
    """Tracked ids of open issues no longer seen, ascending."""


def _match(
    current: Sequence[Issue], indices: Sequence[int], tracked: Sequence[TrackedState]
) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Pair ``current[indices]`` with ``tracked`` one-to-one: (pairs (issue index, tracked id), unmatched issue
    indices, unmatched tracked ids)."""
    by_print: dict[str, list[int]] = {}
    for position, state in enumerate(tracked):
        if state.fingerprint:
            by_print.setdefault(state.fingerprint, []).append(position)
    pairs: list[tuple[int, int]] = []
    taken: set[int] = set()
    rest: list[int] = []
    for index in indices:
        bucket = by_print.get(current[index].fingerprint) if current[index].fingerprint else None
        if bucket:
            position = bucket.pop(0)
            taken.add(position)
            pairs.append((index, tracked[position].id))
        else:
            rest.append(index)
    left = [position for position in range(len(tracked)) if position not in taken]
    result = track([current[i] for i in rest], [tracked[p] for p in left])
    pairs.extend((rest[c], tracked[left[p]].id) for c, p in result.matched)
    unmatched_issues = [rest[c] for c in result.new]
    unmatched_tracked = [tracked[left[p]].id for p in result.fixed]
    return pairs, unmatched_issues, unmatched_tracked


def plan_lifecycle(
    current: Sequence[Issue], open_issues: Sequence[TrackedState], closed_issues: Sequence[TrackedState]
) -> LifecyclePlan:
    """The transitions caused by an analysis with issues ``current`` on a branch whose tracked issues are
    ``open_issues`` and ``closed_issues`` (see the module docstring)."""
    still_open, unmatched, fixed = _match(current, range(len(current)), open_issues)
    reopened, opened, _ = _match(current, unmatched, closed_issues) if unmatched else ([], [], [])
    return LifecyclePlan(
        still_open=tuple(sorted(still_open)),
        reopened=tuple(sorted(reopened)),
        opened=tuple(sorted(opened)),
        fixed=tuple(sorted(fixed)),
    )
