"""Issue fingerprints that survive line shifts and reformatting. Pure functions.

* ``line_hash`` is a hash of the issue's first line with *all* whitespace removed, so re-indenting
  or re-spacing that line keeps it, and edits elsewhere in the file never change it.
* ``fingerprint`` hashes (rule, path, line_hash, occurrence index), the index counting the issues
  of equal (rule, path, line_hash) in (line, column) order: two identical issues on two identical
  lines get distinct, stable fingerprints; the line number itself is not part of it.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Sequence

from qgate.model import Issue

HASH_LENGTH = 16
"""Hex characters kept from each sha256 (64 bits)."""


def line_hash(text: str) -> str:
    """sha256 of ``text`` with every whitespace character removed, as ``HASH_LENGTH`` hex characters."""
    stripped = "".join(text.split())
    return hashlib.sha256(stripped.encode("utf-8", "surrogatepass")).hexdigest()[:HASH_LENGTH]


def fingerprint(rule: str, path: str, line_hash_: str, occurrence: int) -> str:
    """The stable id of the ``occurrence``-th (0-based) issue of ``rule`` on lines hashing to ``line_hash_``."""
    key = "\0".join((rule, path, line_hash_, str(occurrence)))
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:HASH_LENGTH]


def assign_fingerprints(issues: Sequence[Issue], line_text: Callable[[str, int], str]) -> list[Issue]:
    """Copies of ``issues``, in the same order, with ``line_hash`` and ``fingerprint`` filled in.

    ``line_text(path, line)`` returns the text of a 1-based line ('' when unknown); it is called once
    per distinct (path, line). The occurrence index orders equal (rule, path, line_hash) issues by
    (line, column, end_line, end_column, message), so the result does not depend on input order.
    """
    cache: dict[tuple[str, int], str] = {}
    hashes: list[str] = []
    for issue in issues:
        key = (issue.path, issue.line)
        if key not in cache:
            cache[key] = line_hash(line_text(issue.path, issue.line))
        hashes.append(cache[key])

    groups: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for index, (issue, h) in enumerate(zip(issues, hashes)):
        groups[(issue.rule, issue.path, h)].append(index)

    prints: list[str] = [""] * len(issues)
    for (rule, path, h), members in groups.items():
        members.sort(
            key=lambda i: (issues[i].line, issues[i].column, issues[i].end_line, issues[i].end_column, issues[i].message)
        )
        for occurrence, index in enumerate(members):
            prints[index] = fingerprint(rule, path, h, occurrence)

    return [
        issue.model_copy(update={"line_hash": h, "fingerprint": fp}) for issue, h, fp in zip(issues, hashes, prints)
    ]
