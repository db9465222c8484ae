"""The baseline file: round trip, deterministic order, atomic write, clear errors, update."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from qgate import __version__
from qgate.errors import InputError
from qgate.model import Issue, IssueType, Severity
from qgate.newcode.baseline import (
    Baseline,
    BaselineEntry,
    load_baseline,
    make_baseline,
    update_baseline,
    write_baseline,
)

WHEN = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=timezone.utc)


def make(line: int, path: str = "a.py", rule: str = "QG101", line_hash: str = "h1", message: str = "m") -> Issue:
    return Issue(
        rule=rule, tool="cst", type=IssueType.CODE_SMELL, severity=Severity.MAJOR, message=message, path=path,
        line=line, end_line=line, column=1, end_column=2, effort_minutes=1, line_hash=line_hash,
        fingerprint=f"fp-{path}-{line}",
    )


def test_write_then_load_round_trip_sorted(tmp_path: Path) -> None:
    target = tmp_path / "baseline.json"
    written = write_baseline(target, make_baseline([make(9, "b.py"), make(3), make(1, rule="QG900")], created=WHEN))
    doc = json.loads(target.read_text())
    assert list(doc) == ["schema", "version", "created", "tool_version", "issues"]
    assert (doc["schema"], doc["version"], doc["created"], doc["tool_version"]) == (
        "qgate-baseline", 1, "2024-05-01T12:00:00Z", __version__,
    )
    assert [(i["path"], i["line"], i["rule"]) for i in doc["issues"]] == [("a.py", 1, "QG900"), ("a.py", 3, "QG101"), ("b.py", 9, "QG101")]
    assert doc["issues"][0] == {"rule": "QG900", "path": "a.py", "line": 1, "line_hash": "h1", "message": "m", "fingerprint": "fp-a.py-1"}
    loaded = load_baseline(target)
    assert loaded == written and loaded.created == datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
    assert target.read_text() == written.to_json()  # deterministic: writing it again gives the same bytes


def test_atomic_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "b.json"
    target.write_text("old")
    write_baseline(target, [make(1)])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.json"]
    assert load_baseline(target).issues == (BaselineEntry.from_issue(make(1)),)


def test_write_failure_is_an_input_error_and_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "dir-in-the-way"
    (target / "child").mkdir(parents=True)  # os.replace cannot put a file over a non-empty directory
    with pytest.raises(InputError, match="cannot write baseline"):
        write_baseline(target, [make(1)])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir-in-the-way"]
    with pytest.raises(InputError, match="cannot write baseline"):
        write_baseline(tmp_path / "missing" / "b.json", [make(1)])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "baseline file not found"),
        (b"", "corrupt baseline .*invalid JSON at line 1 column 1"),
        (b'{"schema": "qgate-baseline", "version": 1, "issu', "corrupt baseline .*invalid JSON"),
        (b"\xff\xfe garbage", "corrupt baseline .*not UTF-8"),
        (b"[1, 2]", "not a qgate baseline.*no 'schema' key"),
        (b'{"version": 1, "issues": []}', "not a qgate baseline.*no 'schema' key"),
        (b'{"schema": "sarif", "version": 1}', "not a qgate baseline.*schema 'sarif'"),
        (b'{"schema": "qgate-baseline", "version": 2, "issues": []}', "version 2, newer than this qgate supports \\(1\\)"),
        (b'{"schema": "qgate-baseline", "version": "1"}', "corrupt baseline .*version"),
        (
            b'{"schema": "qgate-baseline", "version": 1, "created": "2024-05-01T12:00:00Z", "tool_version": "0",'
            b' "issues": [{"rule": "QG1", "path": "a.py", "line": 0, "line_hash": "", "message": "", "fingerprint": ""}]}',
            "corrupt baseline .*issues.0.line: Input should be greater than or equal to 1",
        ),
    ],
)
def test_load_rejects_missing_corrupt_foreign_and_future_files(tmp_path: Path, content: bytes | None, message: str) -> None:
    target = tmp_path / "baseline.json"
    if content is not None:
        target.write_bytes(content)
    with pytest.raises(InputError, match=message) as err:
        load_baseline(target)
    assert "\n" not in str(err.value) and str(target) in str(err.value)


def test_update_drops_fixed_entries_keeps_the_rest_and_adds_nothing() -> None:
    previous = make_baseline([make(10), make(20, line_hash="h2"), make(30, line_hash="h3")], created=WHEN)
    current = [
        make(12),  # the line-10 issue, shifted by two lines
        make(32, line_hash="h3"),  # the line-30 issue, shifted
        make(50, line_hash="brand-new"),  # not in the baseline: not added
    ]  # the line-20 issue is fixed
    updated = update_baseline(previous, current, created=WHEN)
    assert isinstance(updated, Baseline)
    assert [(e.line, e.line_hash, e.fingerprint) for e in updated.issues] == [(12, "h1", "fp-a.py-12"), (32, "h3", "fp-a.py-32")]


def test_update_follows_renames() -> None:
    previous = make_baseline([make(1, path="old.py")], created=WHEN)
    updated = update_baseline(previous, [make(1, path="new.py")], renamed={"old.py": "new.py"}, created=WHEN)
    assert [e.path for e in updated.issues] == ["new.py"]
    assert update_baseline(previous, [make(1, path="new.py")], created=WHEN).issues == ()
