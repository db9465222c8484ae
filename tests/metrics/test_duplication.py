"""Copy-paste detection on small real sources, with hand-counted tokens and lines.

SUMMARIZE below has 117 CPD tokens on 12 lines; per line: 10, 4, 5, 10, 13, 5, 1, 15, 24, 11, 8, 11 (an f-string
is one token; NEWLINE/NL/INDENT/DEDENT/COMMENT are not tokens). Every file puts it after a 3-line header
(``import os`` + two blank lines) so it stands on lines 4-15, and the tokens around it differ between files so
the expected block is exactly the function.
"""

from __future__ import annotations

import io
import tokenize

from hypothesis import given, settings
from hypothesis import strategies as st

from qgate.metrics.duplication import (
    CpdToken,
    DuplicationResult,
    DuplicationSettings,
    _Index,
    _maximal_groups,
    duplication_measures,
    find_duplications,
    tokenize_for_cpd,
)
from qgate.model import Duplication, Location
from qgate.source import source_from_text

SUMMARIZE = '''\
def summarize(records, threshold=10):
    totals = {}
    for record in records:
        key = record.get("category", "unknown")
        amount = float(record.get("amount", 0))
        if amount < threshold:
            continue
        totals[key] = totals.get(key, 0.0) + amount
    ordered = sorted(totals.items(), key=lambda item: item[1], reverse=True)
    lines = [f"{name}: {value:.2f}" for name, value in ordered]
    header = "Summary of %d categories" % len(lines)
    return "\\n".join([header] + lines)
'''

# 99 tokens on 11 lines: SUMMARIZE without line 8 (15 tokens) and without float( ) on line 5 (3 tokens).
SHORT_99_TOKENS = '''\
def summarize(records, threshold=10):
    totals = {}
    for record in records:
        key = record.get("category", "unknown")
        amount = record.get("amount", 0)
        if amount < threshold:
            continue
    ordered = sorted(totals.items(), key=lambda item: item[1], reverse=True)
    lines = [f"{name}: {value:.2f}" for name, value in ordered]
    header = "Summary of %d categories" % len(lines)
    return "\\n".join([header] + lines)
'''

# 119 tokens on 9 lines: SUMMARIZE with lines 6-7 joined and lines 10-12 joined by two semicolons.
DENSE_9_LINES = '''\
def summarize(records, threshold=10):
    totals = {}
    for record in records:
        key = record.get("category", "unknown")
        amount = float(record.get("amount", 0))
        if amount < threshold: continue
        totals[key] = totals.get(key, 0.0) + amount
    ordered = sorted(totals.items(), key=lambda item: item[1], reverse=True)
    lines = [f"{name}: {value:.2f}" for name, value in ordered]; header = "Summary of %d categories" % len(lines); return "\\n".join([header] + lines)
'''

# SUMMARIZE with the local variable ``ordered`` renamed ``ranking`` (lines 9 and 10 of the function).
RENAMED = SUMMARIZE.replace("ordered", "ranking")


def file_with(body: str, before: str = "import os", after: str = "VALUE = 1") -> str:
    return f"{before}\n\n\n{body}\n\n{after}\n"


def src(path: str, text: str):
    return source_from_text(path, text)


def loc(path: str, line: int, end_line: int) -> Location:
    return Location(path=path, line=line, end_line=end_line)


def test_summarize_has_the_hand_counted_tokens():
    tokens = tokenize_for_cpd(src("f.py", SUMMARIZE))
    assert len(tokens) == 117
    assert tokens[:10] == tuple(
        CpdToken(v, 1, 1) for v in ("def", "summarize", "(", "records", ",", "threshold", "=", "10", ")", ":")
    )
    assert tokens[-11:] == tuple(
        CpdToken(v, 12, 12) for v in ("return", '"\\n"', ".", "join", "(", "[", "header", "]", "+", "lines", ")")
    )
    assert CpdToken('f"{name}: {value:.2f}"', 10, 10) in tokens
    assert len(tokenize_for_cpd(src("s.py", SHORT_99_TOKENS))) == 99
    assert len(tokenize_for_cpd(src("d.py", DENSE_9_LINES))) == 119


def test_tokens_skip_comments_and_layout_and_keep_multiline_string_end_line():
    text = 'x = """a\nb"""  # note\nif x:\n    y = (1,\n         2)\n'
    assert tokenize_for_cpd(src("t.py", text)) == (
        CpdToken("x", 1, 1), CpdToken("=", 1, 1), CpdToken('"""a\nb"""', 1, 2),
        CpdToken("if", 3, 3), CpdToken("x", 3, 3), CpdToken(":", 3, 3),
        CpdToken("y", 4, 4), CpdToken("=", 4, 4), CpdToken("(", 4, 4), CpdToken("1", 4, 4), CpdToken(",", 4, 4),
        CpdToken("2", 5, 5), CpdToken(")", 5, 5),
    )


def test_tokens_match_the_tokenize_module_on_tricky_literals():
    text = (
        "s = rb'\\x00' + Rb\"q\" + f'{a!r:>{w}}' + u'''x\n'y'\n''' + '\\\n'\n"
        "n = 0x_1F + 1_000.5e-3j + .5 + 1. + 0o17\n"
        "z = a@b; a **= 2; a //= 3; f(*a, **k) -> None if a ... else ~b\n"
        "rb = br_ = 1\n"
        "def f(a, /, b, *, c): return lambda: (yield)\n"
        "x = 1 + \\\n    2\n"
    )
    skip = {tokenize.NEWLINE, tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
    expected = tuple(
        CpdToken(t.string, t.start[0], t.end[0])
        for t in tokenize.generate_tokens(io.StringIO(text).readline)
        if t.type not in skip
    )
    assert tokenize_for_cpd(src("t.py", text)) == expected


def test_untokenizable_file_yields_no_tokens_and_no_duplication():
    broken = src("broken.py", SUMMARIZE + 'x = """never closed\n')
    assert broken.tokenize_error is not None
    assert tokenize_for_cpd(broken) == ()
    result = find_duplications([broken, src("a.py", file_with(SUMMARIZE))])
    assert result.blocks == ()


def test_function_copied_into_two_files_is_one_block_with_both_locations():
    result = find_duplications([
        src("pkg/b.py", file_with(SUMMARIZE, "import sys", "OTHER = 2")),
        src("pkg/a.py", file_with(SUMMARIZE)),
    ])
    assert result.blocks == (
        Duplication(tokens=117, lines=12, occurrences=(loc("pkg/a.py", 4, 15), loc("pkg/b.py", 4, 15))),
    )
    assert result.duplicated_lines == {
        "pkg/a.py": frozenset(range(4, 16)),
        "pkg/b.py": frozenset(range(4, 16)),
    }


def test_identical_preceding_tokens_extend_the_block():
    # both files start with "import os": the block grows by those two tokens and starts on line 1
    result = find_duplications([src("a.py", file_with(SUMMARIZE)), src("b.py", file_with(SUMMARIZE, after="X = 3"))])
    assert result.blocks == (
        Duplication(tokens=119, lines=15, occurrences=(loc("a.py", 1, 15), loc("b.py", 1, 15))),
    )


def test_99_tokens_is_not_a_duplication_but_100_would_be():
    sources = [src("a.py", file_with(SHORT_99_TOKENS)), src("b.py", file_with(SHORT_99_TOKENS, "import sys", "B = 2"))]
    assert find_duplications(sources).blocks == ()
    lowered = find_duplications(sources, DuplicationSettings(min_tokens=99))
    assert lowered.blocks == (
        Duplication(tokens=99, lines=11, occurrences=(loc("a.py", 4, 14), loc("b.py", 4, 14))),
    )


def test_9_lines_is_not_a_duplication_even_with_119_tokens():
    sources = [src("a.py", file_with(DENSE_9_LINES)), src("b.py", file_with(DENSE_9_LINES, "import sys", "B = 2"))]
    assert find_duplications(sources).blocks == ()
    lowered = find_duplications(sources, DuplicationSettings(min_lines=9))
    assert lowered.blocks == (
        Duplication(tokens=119, lines=9, occurrences=(loc("a.py", 4, 12), loc("b.py", 4, 12))),
    )


def test_three_copies_are_one_block_with_three_occurrences():
    result = find_duplications([
        src("c.py", file_with(SUMMARIZE, "import re", "C = 3")),
        src("a.py", file_with(SUMMARIZE)),
        src("b.py", file_with(SUMMARIZE, "import sys", "B = 2")),
    ])
    assert result.blocks == (
        Duplication(tokens=117, lines=12, occurrences=(loc("a.py", 4, 15), loc("b.py", 4, 15), loc("c.py", 4, 15))),
    )


def test_renamed_variable_splits_the_copy_into_shorter_blocks():
    # lines 1-8 of the function (63 tokens) match; then "ordered" differs; the rest of line 9 (23 tokens) and
    # line 10 up to "ordered" (9 tokens) match (32 tokens); after it "]" and lines 11-12 match (20 tokens).
    sources = [src("a.py", file_with(SUMMARIZE)), src("b.py", file_with(RENAMED, "import sys", "B = 2"))]
    assert find_duplications(sources).blocks == ()
    assert find_duplications(sources, DuplicationSettings(min_tokens=30, min_lines=2)).blocks == (
        Duplication(tokens=63, lines=8, occurrences=(loc("a.py", 4, 11), loc("b.py", 4, 11))),
        Duplication(tokens=32, lines=2, occurrences=(loc("a.py", 12, 13), loc("b.py", 12, 13))),
    )
    assert find_duplications(sources, DuplicationSettings(min_tokens=33, min_lines=2)).blocks == (
        Duplication(tokens=63, lines=8, occurrences=(loc("a.py", 4, 11), loc("b.py", 4, 11))),
    )
    # the 32-token middle spans only 2 lines
    assert find_duplications(sources, DuplicationSettings(min_tokens=20, min_lines=3)).blocks == (
        Duplication(tokens=63, lines=8, occurrences=(loc("a.py", 4, 11), loc("b.py", 4, 11))),
        Duplication(tokens=20, lines=3, occurrences=(loc("a.py", 13, 15), loc("b.py", 13, 15))),
    )


def test_copy_inside_one_file_is_one_block_with_two_occurrences_there():
    # lines 1-3 header, 4-15 function, 16-17 blank, 18 "VALUE = 1", 19-20 blank, 21-32 function, 33-34, 35 "OTHER = 2"
    text = file_with(SUMMARIZE, after="VALUE = 1\n\n\n" + SUMMARIZE + "\n\nOTHER = 2")
    result = find_duplications([src("self.py", text)])
    assert result.blocks == (
        Duplication(tokens=117, lines=12, occurrences=(loc("self.py", 4, 15), loc("self.py", 21, 32))),
    )
    assert result.duplicated_lines == {"self.py": frozenset(range(4, 16)) | frozenset(range(21, 33))}


def test_region_repeated_back_to_back_is_the_unit_three_times_never_overlapping():
    # the function three times in a row, lines 4-15, 16-27, 28-39: X X X, not "X X" overlapping itself
    text = file_with(SUMMARIZE + SUMMARIZE + SUMMARIZE)
    result = find_duplications([src("tandem.py", text)])
    assert result.blocks == (
        Duplication(
            tokens=117, lines=12,
            occurrences=(loc("tandem.py", 4, 15), loc("tandem.py", 16, 27), loc("tandem.py", 28, 39)),
        ),
    )


def test_sub_block_inside_a_longer_block_of_the_same_files_is_dropped():
    # a.py and b.py both hold the function twice in a row: one block, four occurrences (not also "X X" twice)
    body = SUMMARIZE + "\n\n" + SUMMARIZE
    result = find_duplications([src("a.py", file_with(body)), src("b.py", file_with(body, "import sys", "B = 2"))])
    assert result.blocks == (
        Duplication(
            tokens=117, lines=12,
            occurrences=(loc("a.py", 4, 15), loc("a.py", 18, 29), loc("b.py", 4, 15), loc("b.py", 18, 29)),
        ),
    )


def test_output_does_not_depend_on_input_order():
    sources = [
        src("a.py", file_with(SUMMARIZE)),
        src("b.py", file_with(RENAMED, "import sys", "B = 2")),
        src("c.py", file_with(SUMMARIZE, "import re", "C = 3")),
    ]
    low = DuplicationSettings(min_tokens=30, min_lines=2)
    assert find_duplications(sources, low) == find_duplications(sources[::-1], low)


# measures --------------------------------------------------------------------------------------------------------

A_TEXT = file_with(SUMMARIZE)  # 18 lines: 1-3 header, 4-15 function, 16-17 blank, 18 VALUE
B_TEXT = file_with(SUMMARIZE, "import sys", "OTHER = 2")
E_TEXT = "import os\n\n\ndef f():\n    return os.sep\n"  # 5 lines, no duplication


def measure_sources():
    return [src("a.py", A_TEXT), src("b.py", B_TEXT), src("e.py", E_TEXT)]


def test_overall_measures_follow_sonarqube():
    sources = measure_sources()
    assert [s.loc for s in sources] == [18, 18, 5]
    measures = duplication_measures(find_duplications(sources), sources, None)
    assert measures == {
        "duplicated_lines": 24,
        "duplicated_blocks": 2,
        "duplicated_files": 2,
        "duplicated_lines_density": 58.5,  # 100 * 24 / 41 = 58.54
        "new_duplicated_lines": 24,  # None: every line is new
        "new_blocks_duplicated": 2,
        "new_duplicated_lines_density": 58.5,
    }


def test_new_copy_of_an_unchanged_file_counts_on_new_code():
    # a.py is unchanged; b.py is a new file copying a.py's function; e.py changed lines 2-3
    sources = measure_sources()
    result = find_duplications(sources)
    new = {"b.py": frozenset(range(1, 19)), "e.py": frozenset({2, 3})}
    measures = duplication_measures(result, sources, new)
    assert measures["new_duplicated_lines"] == 12  # b.py lines 4-15
    assert measures["new_blocks_duplicated"] == 1
    assert measures["new_duplicated_lines_density"] == 60.0  # 100 * 12 / 20 new lines
    assert measures["duplicated_lines_density"] == 58.5


def test_new_code_measures_with_a_partial_change_and_no_change():
    sources = measure_sources()
    result = find_duplications(sources)
    # two new lines inside the block (line 99 does not exist and is ignored)
    partial = duplication_measures(result, sources, {"a.py": frozenset({5, 6, 99})})
    assert (partial["new_duplicated_lines"], partial["new_duplicated_lines_density"], partial["new_blocks_duplicated"]) == (2, 100.0, 1)
    # a new line outside every block
    outside = duplication_measures(result, sources, {"a.py": frozenset({18}), "e.py": frozenset({4})})
    assert (outside["new_duplicated_lines"], outside["new_duplicated_lines_density"]) == (0, 0.0)
    nothing_new = duplication_measures(result, sources, {})
    assert (nothing_new["new_duplicated_lines"], nothing_new["new_duplicated_lines_density"]) == (0, None)


def test_measures_without_duplication_or_files():
    empty = duplication_measures(DuplicationResult(), [], None)
    assert empty == {
        "duplicated_lines": 0, "duplicated_blocks": 0, "duplicated_files": 0, "duplicated_lines_density": None,
        "new_duplicated_lines": 0, "new_blocks_duplicated": 0, "new_duplicated_lines_density": None,
    }
    sources = [src("e.py", E_TEXT)]
    assert duplication_measures(find_duplications(sources), sources, None)["duplicated_lines_density"] == 0.0


# property ---------------------------------------------------------------------------------------------------------

SNIPPETS = [
    SUMMARIZE,
    "def area(width, height):\n    if width < 0 or height < 0:\n        raise ValueError('negative')\n    return width * height\n",
    "for index, item in enumerate(items):\n    print(index, item)\n",
    "class Point:\n    def __init__(self, x, y):\n        self.x = x\n        self.y = y\n",
    "total = 0\n",
    "result = {key: value for key, value in pairs if value}\n",
    "try:\n    handle(request)\nexcept (KeyError, ValueError) as exc:\n    log.warning('bad request: %s', exc)\n",
    'MESSAGE = """first line\nsecond line\n"""\n',
    "x = [1, 2, 3,\n     4, 5, 6]\n",
]



@settings(max_examples=120, deadline=None)
@given(
    files=st.lists(st.lists(st.integers(0, len(SNIPPETS) - 1), min_size=1, max_size=7), min_size=1, max_size=3),
    min_tokens=st.integers(3, 60),
    min_lines=st.integers(1, 6),
)
def test_blocks_respect_thresholds_and_never_overlap(files, min_tokens, min_lines):
    sources = [src(f"f{i}.py", "".join(SNIPPETS[j] for j in picks)) for i, picks in enumerate(files)]
    config = DuplicationSettings(min_tokens=min_tokens, min_lines=min_lines)
    result = find_duplications(sources, config)
    for block in result.blocks:
        assert block.tokens >= min_tokens
        assert len(block.occurrences) >= 2
        assert block.lines == block.occurrences[0].end_line - block.occurrences[0].line + 1
        for occ in block.occurrences:
            assert occ.end_line - occ.line + 1 >= min_lines
        for prev, nxt in zip(block.occurrences, block.occurrences[1:]):
            assert (prev.path, prev.line, prev.end_line) < (nxt.path, nxt.line, nxt.end_line)
            if prev.path == nxt.path:
                assert nxt.line >= prev.end_line  # may share a line where one ends and the next begins
    # token level: every group's occurrences hold identical tokens and are disjoint
    ordered = sorted(sources, key=lambda s: s.path)
    index = _Index(ordered)
    for group, length in _maximal_groups(index, min_tokens):
        assert length >= min_tokens
        slices = [index.values[start : start + length] for start in group]
        assert all(s == slices[0] for s in slices)
        for a, b in zip(group, group[1:]):
            assert a + length <= b or index.file_of(a) != index.file_of(b)
    # the reported lines are exactly the spans of the occurrences
    spans: dict[str, set[int]] = {}
    for block in result.blocks:
        for occ in block.occurrences:
            spans.setdefault(occ.path, set()).update(range(occ.line, occ.end_line + 1))
    assert {p: set(v) for p, v in result.duplicated_lines.items()} == spans
