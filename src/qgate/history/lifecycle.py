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

Two refinements keep the history honest about what an analysis did not see:

* **unobserved** paths (files that still exist but this analysis did not analyze, e.g. a pull-request
  check of the changed files only) keep their open issues open: not seeing a file is not fixing it;
* a file that **vanished** (it no longer exists) and a path new to the branch are treated as a move: their
  unmatched issues are paired by rule, line hash and message (then rule and line hash), so moving or
  renaming a file keeps its issues' history instead of fixing and opening them again.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

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


def _moved_pairs(
    current: Sequence[Issue],
    unmatched: Sequence[int],
    lost: Sequence[TrackedState],
    new_paths: Collection[str],
    vanished: Collection[str],
) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Pair issues on paths new to the branch with lost issues of vanished files, across paths."""
    movable = [i for i in unmatched if current[i].path in new_paths]
    gone = [t for t in lost if t.path in vanished]
    pairs: list[tuple[int, int]] = []
    for key in (lambda x: (x.rule, x.line_hash, x.message), lambda x: (x.rule, x.line_hash)):
        buckets: dict[tuple[str, ...], list[TrackedState]] = {}
        for state in gone:
            buckets.setdefault(key(state), []).append(state)
        rest = []
        for index in movable:
            bucket = buckets.get(key(current[index]))
            if bucket:
                state = bucket.pop(0)
                pairs.append((index, state.id))
                gone.remove(state)
            else:
                rest.append(index)
        movable = rest
    paired = {index for index, _ in pairs}
    moved_ids = {tracked_id for _, tracked_id in pairs}
    return pairs, [i for i in unmatched if i not in paired], [t.id for t in lost if t.id not in moved_ids]


def plan_lifecycle(
    current: Sequence[Issue],
    open_issues: Sequence[TrackedState],
    closed_issues: Sequence[TrackedState],
    *,
    unobserved: Collection[str] = frozenset(),
    vanished: Collection[str] = frozenset(),
) -> LifecyclePlan:
    """The transitions caused by an analysis with issues ``current`` on a branch whose tracked issues are
    ``open_issues`` and ``closed_issues`` (see the module docstring). ``unobserved``: existing paths the
    analysis did not analyze; ``vanished``: tracked paths that no longer exist."""
    observed_open = [t for t in open_issues if t.path not in unobserved]
    still_open, unmatched, fixed_ids = _match(current, range(len(current)), observed_open)
    known_paths = {t.path for t in (*open_issues, *closed_issues)}
    new_paths = {current[i].path for i in unmatched} - known_paths
    lost = [t for t in observed_open if t.id in set(fixed_ids)]
    moved, unmatched, fixed = _moved_pairs(current, unmatched, lost, new_paths, vanished)
    still_open = [*still_open, *moved]
    reopened, opened, _ = _match(current, unmatched, closed_issues) if unmatched else ([], [], [])
    return LifecyclePlan(
        still_open=tuple(sorted(still_open)),
        reopened=tuple(sorted(reopened)),
        opened=tuple(sorted(opened)),
        fixed=tuple(sorted(fixed)),
    )
