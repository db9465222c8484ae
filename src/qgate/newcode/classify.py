"""Deciding what is new, from a diff and/or a baseline. Pure functions over data the CLI gathered.

* No diff and no baseline: every line, and so every issue, is new.
* Reference mode (a diff): an issue is new when one of its lines is a new line.
* Baseline mode: an issue is new when the baseline has no match for it (one-to-one tracking).
* Both: an issue is new only when both say so.
"""

from __future__ import annotations

from typing import Mapping, Optional, Sequence

from pydantic import Field

from qgate.model import FileReport, FunctionMetrics, Frozen, Issue, NewCodeInfo
from qgate.newcode.baseline import BaselineEntry
from qgate.newcode.diff import FileDiff, is_new_issue
from qgate.newcode.tracking import track
from qgate.source import SourceFile


class NewCodeSpec(Frozen):
    info: NewCodeInfo = Field(default_factory=NewCodeInfo)
    diff: Optional[dict[str, FileDiff]] = Field(default=None, description="Changed lines; None: every line is new.")
    baseline: Optional[tuple[BaselineEntry, ...]] = None
    renamed: dict[str, str] = Field(default_factory=dict, description="Old path -> new path.")
    only_changed_files: bool = Field(default=False, description="Analyze only files with new lines.")

    def changed_paths(self) -> Optional[frozenset[str]]:
        """Paths holding new lines (and changed files git sees as binary, so that a new file with NUL bytes is
        reported as undecodable rather than skipped in silence); None when every file is new."""
        if self.diff is None:
            return None
        return frozenset(path for path, d in self.diff.items() if d.whole_file or d.added_lines or d.binary)

    def new_lines_by_path(self) -> Optional[dict[str, Optional[frozenset[int]]]]:
        """Path -> new lines (None: the whole file is new); None when every line of every file is new."""
        if self.diff is None:
            return None
        return {path: None if d.whole_file else d.added_lines for path, d in self.diff.items()}


def classify(issues: Sequence[Issue], spec: NewCodeSpec) -> list[Issue]:
    """Copies of the issues with ``new`` set."""
    flags = [True] * len(issues)
    if spec.diff is not None:
        flags = [is_new_issue(issue, spec.diff) for issue in issues]
    if spec.baseline is not None:
        unmatched = set(track(issues, spec.baseline, renamed=spec.renamed).new)
        flags = [flag and index in unmatched for index, flag in enumerate(flags)]
    return [issue if issue.new == flag else issue.model_copy(update={"new": flag}) for issue, flag in zip(issues, flags)]


def new_code_lines(source: SourceFile, diff: Optional[Mapping[str, FileDiff]]) -> frozenset[int]:
    """The code lines of a file that are new."""
    if diff is None:
        return source.code_lines
    changed = diff.get(source.path)
    if changed is None:
        return frozenset()
    if changed.whole_file:
        return source.code_lines
    return source.code_lines & changed.added_lines


def changed_functions(files: Sequence[FileReport], diff: Optional[Mapping[str, FileDiff]]) -> list[FunctionMetrics]:
    """Functions with at least one new line (all of them when everything is new)."""
    result = []
    for report in files:
        changed = None if diff is None else diff.get(report.path)
        for function in report.functions:
            if diff is None or (changed is not None and changed.has_new_line_in(function.line, function.end_line)):
                result.append(function)
    return result
