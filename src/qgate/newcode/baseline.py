"""The baseline file: the issues accepted as they are, so that only issues beyond them fail the gate.

A versioned JSON document::

    {"schema": "qgate-baseline", "version": 1, "created": "2024-05-01T12:00:00Z",
     "tool_version": "0.1.0",
     "issues": [{"rule": ..., "path": ..., "line": ..., "line_hash": ..., "message": ..., "fingerprint": ...}]}

Entries are sorted by (path, line, rule, message, line_hash, fingerprint); the file is written
atomically. Matching a run against a baseline is :func:`qgate.newcode.tracking.track`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal, Optional, Union

from pydantic import ConfigDict, Field, ValidationError

from qgate import __version__
from qgate.atomic import atomic_write
from qgate.errors import InputError
from qgate.model import Frozen, Issue
from qgate.newcode.tracking import track

BASELINE_SCHEMA = "qgate-baseline"
BASELINE_VERSION = 1


class BaselineEntry(Frozen):
    rule: str
    path: str
    line: int = Field(ge=1)
    line_hash: str
    message: str
    fingerprint: str

    def sort_key(self) -> tuple[str, int, str, str, str, str]:
        return (self.path, self.line, self.rule, self.message, self.line_hash, self.fingerprint)

    @classmethod
    def from_issue(cls, issue: Issue) -> BaselineEntry:
        return cls(
            rule=issue.rule,
            path=issue.path,
            line=issue.line,
            line_hash=issue.line_hash,
            message=issue.message,
            fingerprint=issue.fingerprint,
        )


class Baseline(Frozen):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    schema_name: Literal["qgate-baseline"] = Field(default=BASELINE_SCHEMA, alias="schema")
    version: Literal[1] = BASELINE_VERSION
    created: datetime
    tool_version: str
    issues: tuple[BaselineEntry, ...] = ()

    def to_json(self) -> str:
        """The file's text: stable key order, two-space indent, trailing newline."""
        doc = {
            "schema": self.schema_name,
            "version": self.version,
            "created": _iso_utc(self.created),
            "tool_version": self.tool_version,
            "issues": [e.model_dump() for e in self.issues],
        }
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _iso_utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def make_baseline(
    issues: Iterable[Union[Issue, BaselineEntry]], *, created: Optional[datetime] = None
) -> Baseline:
    """A baseline of ``issues`` (fingerprinted :class:`Issue` objects or entries), sorted deterministically."""
    entries = [i if isinstance(i, BaselineEntry) else BaselineEntry.from_issue(i) for i in issues]
    entries.sort(key=BaselineEntry.sort_key)
    moment = created or datetime.now(timezone.utc)
    return Baseline(created=moment.replace(microsecond=0), tool_version=__version__, issues=tuple(entries))


def write_baseline(path: Union[str, os.PathLike[str]], baseline: Union[Baseline, Iterable[Issue]]) -> Baseline:
    """Write a baseline atomically (temp file in the same directory, fsync, ``os.replace``); return it.

    ``baseline`` is a :class:`Baseline` or the issues to build one from. Raises :class:`InputError`
    when the file cannot be written; no temporary file is left behind.
    """
    if not isinstance(baseline, Baseline):
        baseline = make_baseline(baseline)
    atomic_write(path, baseline.to_json(), what="baseline")
    return baseline


def load_baseline(path: Union[str, os.PathLike[str]]) -> Baseline:
    """Read and validate a baseline file. Raises :class:`InputError` (one line) when it is missing,
    unreadable, corrupt (bad or truncated JSON, invalid entries), foreign (no ``"schema":
    "qgate-baseline"``) or written by a newer qgate (a higher ``version``)."""
    target = Path(path)
    try:
        raw = target.read_bytes()
    except FileNotFoundError:
        raise InputError(f"baseline file not found: {target}") from None
    except OSError as exc:
        raise InputError(f"cannot read baseline {target}: {exc.strerror or exc}") from None
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InputError(f"corrupt baseline {target}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"corrupt baseline {target}: invalid JSON at line {exc.lineno} column {exc.colno} ({exc.msg})") from None
    except RecursionError:
        raise InputError(f"corrupt baseline {target}: JSON nested too deeply") from None
    if not isinstance(doc, dict) or doc.get("schema") != BASELINE_SCHEMA:
        found = doc.get("schema") if isinstance(doc, dict) else None
        what = f"schema {found!r}" if found is not None else "no 'schema' key"
        raise InputError(f"not a qgate baseline: {target} ({what}; expected schema 'qgate-baseline')")
    version = doc.get("version")
    if isinstance(version, int) and not isinstance(version, bool) and version > BASELINE_VERSION:
        raise InputError(
            f"baseline {target} has version {version}, newer than this qgate supports ({BASELINE_VERSION}); "
            "upgrade qgate or regenerate the baseline"
        )
    try:
        return Baseline.model_validate(doc)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "document"
        raise InputError(f"corrupt baseline {target}: {where}: {first['msg']}") from None


def update_baseline(
    previous: Baseline,
    current: Sequence[Issue],
    *,
    renamed: Optional[Mapping[str, str]] = None,
    created: Optional[datetime] = None,
) -> Baseline:
    """The baseline minus its fixed entries: entries still matching a current issue are kept, refreshed
    to that issue's current location, hash, message and fingerprint so they keep tracking it; entries
    matching nothing are dropped; current issues not in the baseline are NOT added."""
    result = track(current, previous.issues, renamed=renamed)
    kept = [BaselineEntry.from_issue(current[c]) for c, _ in result.matched]
    return make_baseline(kept, created=created)
