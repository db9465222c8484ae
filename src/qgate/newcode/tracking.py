"""Match current issues to previous ones (a baseline, an earlier run) one-to-one. Pure functions.

The cascade follows SonarQube's issue tracker. Each pass looks only at issues still unmatched,
and only pairs issues of the same rule and path:

1. line + line_hash + message
2. line_hash + message          (code moved: the line shifted)
3. line + message               (the line was edited in place)
4. line_hash                    (the message changed, e.g. a count in it)

Matching is a multiset operation: two current copies of one previous issue give one match and one
new issue. Within a bucket, issues are paired in line order, so a shifted block of identical
issues pairs up in order. Each pass is a dict of buckets: O(n log n) overall.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Optional, Protocol

from qgate.model import Frozen


class Trackable(Protocol):
    """What tracking reads from an issue: an :class:`~qgate.model.Issue` or a baseline entry."""

    @property
    def rule(self) -> str: ...

    @property
    def path(self) -> str: ...

    @property
    def line(self) -> int: ...

    @property
    def line_hash(self) -> str: ...

    @property
    def message(self) -> str: ...


class TrackingResult(Frozen):
    """Indices into the ``current`` and ``previous`` sequences given to :func:`track`."""

    matched: tuple[tuple[int, int], ...] = ()
    """(current index, previous index) pairs, sorted by current index."""
    new: tuple[int, ...] = ()
    """Current issues with no previous counterpart, ascending."""
    fixed: tuple[int, ...] = ()
    """Previous issues with no current counterpart, ascending."""

    def previous_index(self) -> dict[int, int]:
        """Current index -> matched previous index."""
        return dict(self.matched)


_Key = Callable[[Trackable, str], Hashable]

_PASSES: tuple[_Key, ...] = (
    lambda i, path: (i.rule, path, i.line, i.line_hash, i.message),
    lambda i, path: (i.rule, path, i.line_hash, i.message),
    lambda i, path: (i.rule, path, i.line, i.message),
    lambda i, path: (i.rule, path, i.line_hash),
)


def track(
    current: Sequence[Trackable],
    previous: Sequence[Trackable],
    *,
    renamed: Optional[Mapping[str, str]] = None,
) -> TrackingResult:
    """Pair ``current`` issues with ``previous`` ones one-to-one through the four-pass cascade.

    ``renamed`` maps an old path to its new path (see :func:`qgate.newcode.diff.renames`): previous
    issues on a renamed file are compared as if they were on the new path.
    """
    renamed = renamed or {}
    prev_paths = [renamed.get(p.path, p.path) for p in previous]
    cur_left = sorted(range(len(current)), key=lambda i: (current[i].line, i))
    prev_left = sorted(range(len(previous)), key=lambda i: (previous[i].line, i))
    pairs: list[tuple[int, int]] = []

    for key in _PASSES:
        if not cur_left or not prev_left:
            break
        buckets: dict[Hashable, list[int]] = defaultdict(list)
        for p in prev_left:  # in line order, so each bucket is too
            buckets[key(previous[p], prev_paths[p])].append(p)
        taken: set[int] = set()
        still: list[int] = []
        cursor: dict[Hashable, int] = defaultdict(int)
        for c in cur_left:
            k = key(current[c], current[c].path)
            bucket = buckets.get(k)
            pos = cursor[k] if bucket else 0
            if bucket and pos < len(bucket):
                cursor[k] = pos + 1
                pairs.append((c, bucket[pos]))
                taken.add(bucket[pos])
            else:
                still.append(c)
        cur_left = still
        prev_left = [p for p in prev_left if p not in taken]

    pairs.sort()
    return TrackingResult(matched=tuple(pairs), new=tuple(sorted(cur_left)), fixed=tuple(sorted(prev_left)))
