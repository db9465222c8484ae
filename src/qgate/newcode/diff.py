"""Which lines are new: parse ``git diff -U0`` output and classify issues against it. Pure functions.

The text parsed here is what :func:`qgate.git.changed_lines` produces (``git diff -U0 -w -M
--src-prefix=a/ --dst-prefix=b/ <merge-base>``), but the parser accepts any unified git diff:
context lines, renames and copies, new, deleted and binary files, mode-only changes,
``\\ No newline at end of file`` markers, C-quoted paths (``"b/caf\\303\\251.py"``) and the trailing
tab git appends to ``---``/``+++`` names that contain a space, and combined (``diff --cc``) hunks.

A line is *new* when it is an added (``+``) line of the post-image. Deleted files vanish from the
result; a file renamed without content change is present with no new lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Literal, Optional

from pydantic import Field

from qgate.model import Frozen, Issue

FileStatus = Literal["added", "modified", "renamed", "copied"]


class FileDiff(Frozen):
    """The new lines of one post-image file."""

    path: str = Field(description="Post-image path, repository-relative POSIX.")
    old_path: Optional[str] = Field(default=None, description="Pre-image path; None for an added file.")
    status: FileStatus = "modified"
    added_lines: frozenset[int] = Field(default=frozenset(), description="1-based post-image lines that are new.")
    binary: bool = False
    whole_file: bool = Field(default=False, description="Every line is new (an untracked file not in the diff).")

    def is_new_line(self, line: int) -> bool:
        return self.whole_file or line in self.added_lines

    def has_new_line_in(self, start: int, end: int) -> bool:
        """True when any line of the closed range [start, end] is new."""
        if self.whole_file:
            return True
        if end < start:
            end = start
        added = self.added_lines
        if end - start + 1 <= len(added):
            return any(n in added for n in range(start, end + 1))
        return any(start <= n <= end for n in added)


def is_new_issue(issue: Issue, files: Mapping[str, FileDiff]) -> bool:
    """An issue is new when any line of [issue.line, issue.end_line] is a new line of its file.

    A file absent from ``files`` (unchanged, or outside the diff) has no new lines.
    """
    diff = files.get(issue.path)
    return diff is not None and diff.has_new_line_in(issue.line, issue.end_line)


def mark_new(issues: Iterable[Issue], files: Mapping[str, FileDiff]) -> list[Issue]:
    """Copies of ``issues`` (same order) with ``new`` set by :func:`is_new_issue`."""
    out = []
    for issue in issues:
        new = is_new_issue(issue, files)
        out.append(issue if issue.new == new else issue.model_copy(update={"new": new}))
    return out


def renames(files: Mapping[str, FileDiff]) -> dict[str, str]:
    """Old path -> new path for every renamed file (the map tracking needs to follow a rename)."""
    return {d.old_path: d.path for d in files.values() if d.status == "renamed" and d.old_path}


def reroot(files: Mapping[str, FileDiff], prefix: str) -> dict[str, FileDiff]:
    """Re-express repository-relative diffs relative to the sub-directory ``prefix`` (``pkg/sub``).

    For an analysis root below the repository top: files outside ``prefix`` are dropped, paths lose
    the prefix; an old path outside ``prefix`` becomes None. ``prefix`` '' or '.' changes nothing.
    """
    prefix = prefix.strip("/")
    if prefix in ("", "."):
        return dict(files)
    head = prefix + "/"
    out: dict[str, FileDiff] = {}
    for path, diff in files.items():
        if not path.startswith(head):
            continue
        old = diff.old_path[len(head) :] if diff.old_path and diff.old_path.startswith(head) else None
        out[path[len(head) :]] = diff.model_copy(update={"path": path[len(head) :], "old_path": old})
    return out


# --------------------------------------------------------------------------------------------- parsing

_HUNK = re.compile(r"^(@{2,}) (.*?) \1")
_RANGE = re.compile(r"^[-+](\d+)(?:,(\d+))?$")
_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}


def unquote_path(text: str) -> str:
    """Undo git's C-style quoting of a path (``"a/caf\\303\\251 \\"x\\".py"``); unquoted text is returned as is."""
    if len(text) < 2 or not (text.startswith('"') and text.endswith('"')):
        return text
    body = text[1:-1]
    out = bytearray()
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != "\\" or i + 1 >= len(body):
            out += ch.encode("utf-8", "surrogateescape")
            i += 1
            continue
        nxt = body[i + 1]
        if re.fullmatch(r"[0-3][0-7]{2}", body[i + 1 : i + 4]):
            out.append(int(body[i + 1 : i + 4], 8))
            i += 4
        elif nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        else:
            out += nxt.encode("utf-8", "surrogateescape")
            i += 2
    return out.decode("utf-8", "surrogateescape")


def _strip_prefix(name: str, prefix: str) -> Optional[str]:
    """``a/x`` -> ``x`` for a ---/+++ or rename name (already unquoted); ``/dev/null`` -> None."""
    if name == "/dev/null":
        return None
    return name[len(prefix) :] if name.startswith(prefix) else name


def _file_name(rest: str, prefix: str) -> Optional[str]:
    """The path of a ``--- ``/``+++ `` line's remainder."""
    if rest.startswith('"'):
        return _strip_prefix(unquote_path(rest.rstrip("\t")), prefix)
    if rest.endswith("\t"):  # git appends a tab when the name contains a space
        rest = rest[:-1]
    return _strip_prefix(rest, prefix)


def _split_quoted(text: str) -> list[str]:
    """Tokens of a ``diff --git`` header whose names may be C-quoted."""
    tokens: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == " ":
            i += 1
            continue
        if text[i] == '"':
            j = i + 1
            while j < len(text) and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            tokens.append(unquote_path(text[i : j + 1]))
            i = j + 1
        else:
            j = text.find(" ", i)
            j = len(text) if j < 0 else j
            tokens.append(text[i:j])
            i = j
    return tokens


def _header_paths(rest: str) -> tuple[Optional[str], Optional[str]]:
    """(old, new) from ``a/X b/Y`` after ``diff --git ``. Best effort: ---/+++ and rename lines override it."""
    if '"' in rest:
        tokens = _split_quoted(rest)
        if len(tokens) == 2:
            return _strip_prefix(tokens[0], "a/"), _strip_prefix(tokens[1], "b/")
    # Unquoted and unrenamed: "a/X b/X", so X is the first half (names may contain spaces).
    if rest.startswith("a/") and (len(rest) - 5) % 2 == 0:
        n = (len(rest) - 5) // 2
        old, new = rest[2 : 2 + n], rest[2 + n + 3 :]
        if rest[2 + n : 2 + n + 3] == " b/" and old == new:
            return old, new
    pos = rest.find(" b/")
    if rest.startswith("a/") and pos > 0:
        return rest[2:pos], rest[pos + 3 :]
    return None, None


class _Section:
    __slots__ = ("old", "new", "status", "binary", "added", "deleted", "header_old", "header_new")

    def __init__(self, header_old: Optional[str], header_new: Optional[str]) -> None:
        self.header_old = header_old
        self.header_new = header_new
        self.old: Optional[str] = None
        self.new: Optional[str] = None
        self.status: Optional[str] = None
        self.binary = False
        self.deleted = False
        self.added: set[int] = set()

    def result(self) -> Optional[FileDiff]:
        if self.deleted:
            return None
        new = self.new or self.header_new
        old = self.old or self.header_old
        if new is None:
            return None
        status = self.status or "modified"
        if status == "added":
            old = None
        return FileDiff(path=new, old_path=old, status=status, added_lines=frozenset(self.added), binary=self.binary)


def parse_diff(text: str) -> dict[str, FileDiff]:
    """Post-image path -> :class:`FileDiff` for every file of a unified git diff, deleted files left out.

    Paths are returned as they appear in the diff minus the ``a/``/``b/`` prefixes, unquoted.
    Inside a hunk every line starting with a space, ``+``, ``-`` or ``\\`` is hunk content, so content
    that looks like a header (``--- x`` or ``+++ y``) is read as content; a hunk ends at the next
    ``@@`` or ``diff`` line.
    """
    files: dict[str, FileDiff] = {}
    section: Optional[_Section] = None
    in_hunk = False
    new_line = 0  # post-image number of the next line that is in the post-image
    parents = 1  # 1 for a plain diff, N for a combined diff of N parents

    def close() -> None:
        if section is not None:
            result = section.result()
            if result is not None:
                files[result.path] = result

    for line in text.split("\n"):
        if in_hunk and section is not None:
            first = line[:1]
            if first in ("", " ", "+", "-", "\\"):
                if first == "\\":  # "\ No newline at end of file"
                    continue
                prefix = line[:parents]
                if "-" in prefix:  # only in the pre-image
                    continue
                if "+" in prefix:
                    section.added.add(new_line)
                new_line += 1
                continue
            in_hunk = False
        if line.startswith("diff --git "):
            close()
            old, new = _header_paths(line[len("diff --git ") :])
            section = _Section(old, new)
            parents = 1
            continue
        if line.startswith(("diff --cc ", "diff --combined ")):
            close()
            name = line.split(" ", 2)[2]
            name = unquote_path(name)
            section = _Section(name, name)
            continue
        if section is None:
            continue
        match = _HUNK.match(line)
        if match:
            parents = len(match.group(1)) - 1
            post = _RANGE.match(match.group(2).split(" ")[-1])
            if post is not None:
                in_hunk = True
                new_line = int(post.group(1))
            continue
        if line.startswith("--- "):
            name = _file_name(line[4:], "a/")
            if name is None and section.status is None:
                section.status = "added"
            elif name is not None and section.old is None:
                section.old = name
        elif line.startswith("+++ "):
            name = _file_name(line[4:], "b/")
            if name is None:
                section.deleted = True
            else:
                section.new = name
        elif line.startswith("rename from "):
            section.old = unquote_path(line[len("rename from ") :])
            section.status = "renamed"
        elif line.startswith("rename to "):
            section.new = unquote_path(line[len("rename to ") :])
            section.status = "renamed"
        elif line.startswith("copy from "):
            section.old = unquote_path(line[len("copy from ") :])
            section.status = "copied"
        elif line.startswith("copy to "):
            section.new = unquote_path(line[len("copy to ") :])
            section.status = "copied"
        elif line.startswith("new file mode "):
            section.status = "added"
        elif line.startswith("deleted file mode "):
            section.deleted = True
        elif line.startswith("Binary files ") or line == "GIT binary patch":
            section.binary = True
    close()
    return files

