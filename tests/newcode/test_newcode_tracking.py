"""The one-to-one tracking cascade: line + hash + message, hash + message, line + message, hash."""

from __future__ import annotations

from qgate.model import Issue, IssueType, Severity
from qgate.newcode.baseline import BaselineEntry
from qgate.newcode.tracking import TrackingResult, track


def make(line: int, line_hash: str = "h1", message: str = "m", rule: str = "QG101", path: str = "a.py") -> Issue:
    return Issue(
        rule=rule, tool="cst", type=IssueType.CODE_SMELL, severity=Severity.MAJOR, message=message, path=path,
        line=line, end_line=line, column=1, end_column=2, effort_minutes=1, line_hash=line_hash,
    )


def entry(line: int, line_hash: str = "h1", message: str = "m", rule: str = "QG101", path: str = "a.py") -> BaselineEntry:
    return BaselineEntry(rule=rule, path=path, line=line, line_hash=line_hash, message=message, fingerprint="f")


def test_exact_matches() -> None:
    result = track([make(3, "h3"), make(1, "h1")], [entry(1, "h1"), entry(3, "h3")])
    assert result == TrackingResult(matched=((0, 1), (1, 0)), new=(), fixed=())
    assert result.previous_index() == {0: 1, 1: 0}


def test_line_shift_matches_by_hash_and_message() -> None:
    result = track([make(15, "h1"), make(25, "h2")], [entry(5, "h1"), entry(12, "h2")])
    assert result.matched == ((0, 0), (1, 1))


def test_edited_line_matches_by_line_and_message() -> None:
    result = track([make(7, "edited")], [entry(7, "original")])
    assert result.matched == ((0, 0),)


def test_message_change_matches_by_hash() -> None:
    result = track([make(9, "h1", message="function has 12 branches")], [entry(4, "h1", message="function has 11 branches")])
    assert result.matched == ((0, 0),)


def test_first_pass_wins_over_later_passes() -> None:
    # Current line 5 could match previous #0 by hash+message (pass 2), but previous #1 is exact (pass 1).
    result = track([make(5, "h1")], [entry(2, "h1"), entry(5, "h1")])
    assert result.matched == ((0, 1),) and result.fixed == (0,)


def test_duplicates_are_matched_one_to_one() -> None:
    # Two current copies of one previous issue: one matched, one new (never set membership).
    result = track([make(10), make(20)], [entry(10)])
    assert result == TrackingResult(matched=((0, 0),), new=(1,), fixed=())
    # The reverse: one of two previous copies is fixed.
    result = track([make(10)], [entry(10), entry(20)])
    assert result == TrackingResult(matched=((0, 0),), new=(), fixed=(1,))


def test_shifted_block_of_identical_issues_pairs_in_order() -> None:
    result = track([make(13), make(14), make(15)], [entry(3), entry(4)])
    assert result.matched == ((0, 0), (1, 1)) and result.new == (2,)


def test_rule_and_path_must_agree() -> None:
    result = track([make(1, rule="QG102"), make(1, path="b.py")], [entry(1)])
    assert result == TrackingResult(matched=(), new=(0, 1), fixed=(0,))


def test_different_hash_and_message_and_line_is_new() -> None:
    result = track([make(8, "h2", message="other")], [entry(3, "h1")])
    assert result == TrackingResult(matched=(), new=(0,), fixed=(0,))


def test_renamed_files_follow_the_rename() -> None:
    current = [make(1, path="new.py")]
    assert track(current, [entry(1, path="old.py")]).new == (0,)
    assert track(current, [entry(1, path="old.py")], renamed={"old.py": "new.py"}).matched == ((0, 0),)


def test_large_input_is_fast_and_complete() -> None:
    previous = [entry(i, f"h{i}") for i in range(1, 20001)]
    current = [make(i + 3, f"h{i}") for i in range(1, 20001)]  # every line shifted by 3
    result = track(current, previous)
    assert len(result.matched) == 20000 and result.matched[0] == (0, 0) and result.matched[-1] == (19999, 19999)
