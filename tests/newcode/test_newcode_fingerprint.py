"""line_hash and fingerprints: stable under line shifts and reformatting, distinct for duplicates."""

from __future__ import annotations

from qgate.model import Issue, IssueType, Severity
from qgate.newcode.fingerprint import assign_fingerprints, fingerprint, line_hash


def make(line: int, column: int = 1, rule: str = "QG101", path: str = "a.py") -> Issue:
    return Issue(
        rule=rule, tool="cst", type=IssueType.CODE_SMELL, severity=Severity.MAJOR, message="m", path=path,
        line=line, end_line=line, column=column, end_column=column + 1, effort_minutes=1,
    )


def reader(text: str):
    lines = text.splitlines()
    return lambda path, n: lines[n - 1] if 1 <= n <= len(lines) else ""


def test_line_hash_ignores_all_whitespace() -> None:
    assert line_hash("x = f(a, b)") == line_hash("\tx=f( a,b )  \r") == line_hash("x=f(a,b)")
    assert line_hash("x = f(a, b)") != line_hash("x = f(a, c)")
    assert len(line_hash("")) == 16 and line_hash("") == "e3b0c44298fc1c14"  # sha256 of nothing


def test_fingerprint_is_a_hash_of_rule_path_hash_and_occurrence() -> None:
    assert fingerprint("QG101", "a.py", "abc", 0) != fingerprint("QG101", "a.py", "abc", 1)
    assert fingerprint("QG101", "a.py", "abc", 0) != fingerprint("QG101", "b.py", "abc", 0)
    assert len(fingerprint("QG101", "a.py", "abc", 0)) == 16


SOURCE = "import os\nos.system(cmd)\nx = 1\nos.system(cmd)\n"


def test_duplicates_get_distinct_fingerprints_in_line_order() -> None:
    issues = [make(4), make(2), make(3, rule="QG102")]
    out = assign_fingerprints(issues, reader(SOURCE))
    assert [i.line for i in out] == [4, 2, 3]  # input order kept
    h = line_hash("os.system(cmd)")
    assert out[1].line_hash == h and out[0].line_hash == h
    assert out[1].fingerprint == fingerprint("QG101", "a.py", h, 0)
    assert out[0].fingerprint == fingerprint("QG101", "a.py", h, 1)
    assert out[2].fingerprint == fingerprint("QG102", "a.py", line_hash("x = 1"), 0)


def test_stable_under_line_shifts_and_reformatting_of_other_lines() -> None:
    before = assign_fingerprints([make(2), make(3, rule="QG102")], reader(SOURCE))
    shifted = "'''doc'''\n\n\nimport   os\nos.system(cmd)\nx = 1\n"  # lines added above, line 1 reformatted
    after = assign_fingerprints([make(5), make(6, rule="QG102")], reader(shifted))
    assert [i.fingerprint for i in after] == [i.fingerprint for i in before]
    # Reformatting the issue's own line keeps it too (whitespace only).
    after = assign_fingerprints([make(2)], reader("import os\nos.system( cmd )\n"))
    assert after[0].fingerprint == before[0].fingerprint


def test_occurrence_order_uses_column_within_a_line() -> None:
    out = assign_fingerprints([make(2, column=9), make(2, column=1)], reader(SOURCE))
    h = line_hash("os.system(cmd)")
    assert out[1].fingerprint == fingerprint("QG101", "a.py", h, 0)
    assert out[0].fingerprint == fingerprint("QG101", "a.py", h, 1)


def test_line_text_is_read_once_per_line() -> None:
    calls: list[tuple[str, int]] = []

    def text(path: str, n: int) -> str:
        calls.append((path, n))
        return "x"

    assign_fingerprints([make(1), make(1, column=5), make(1, path="b.py")], text)
    assert calls == [("a.py", 1), ("b.py", 1)]
