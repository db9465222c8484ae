"""Coverage reports: import coverage.py XML (Cobertura), coverage.py JSON and LCOV; SonarQube's coverage measures.

The format is detected from the content, never from the file name (:func:`detect_format`). XML is
parsed with :mod:`defusedxml` only: entity declarations (billion laughs) and external references
fail at once with an :class:`~qgate.errors.InputError`.

Path mapping (report path -> repository-relative POSIX path), see :func:`parse_coverage`:

* ``file://`` URIs become paths; backslashes become slashes; ``./`` and ``..`` are normalised;
* an absolute path inside ``root`` becomes relative to it; an absolute path under an explicit
  source root has that prefix stripped (the source root stands for the repository root on the
  machine that wrote the report, e.g. ``/home/runner/work/proj/proj``);
* a relative path is tried, in order, against each Cobertura ``<sources><source>`` that maps into
  the repository, under each explicit source root (``src``) and with an explicit source root's
  prefix stripped, then as given (relative to the repository root); the first candidate that is an
  existing file under ``root`` wins, else the first candidate;
* a path outside the repository (absolute, ``..`` escaping, ``file://otherhost/...``) is **ignored**:
  it is left out of ``files`` and counted in ``CoverageData.notes`` (one note per report).

Merging (:func:`merge_coverage`, also used for a file listed twice in one report): hits are summed,
so a line is covered when any report covers it; branches take the max covered and max total
conditions per line (as SonarQube merges coverage). Files missing from a report add nothing: only
lines a report measures count (no "executable lines" guess for unreported files).
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import xml.etree.ElementTree as ET
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, Optional
from urllib.parse import unquote, urlsplit

import defusedxml
import defusedxml.ElementTree as DET
from pydantic import Field

from qgate.errors import InputError
from qgate.model import Frozen

CoverageFormat = Literal["cobertura", "coverage-json", "lcov"]

MEASURE_KEYS = (
    "coverage",
    "line_coverage",
    "branch_coverage",
    "lines_to_cover",
    "uncovered_lines",
    "conditions_to_cover",
    "uncovered_conditions",
)
"""Overall keys returned by :func:`coverage_measures`; each also exists with the ``new_`` prefix."""

_SNIFF_BYTES = 65536


class FileCoverage(Frozen):
    path: str = Field(description="Repository-relative POSIX path.")
    lines: dict[int, int] = Field(
        default_factory=dict, description="Line -> hits (0 = uncovered); only the lines the report measures."
    )
    branches: dict[int, tuple[int, int]] = Field(
        default_factory=dict, description="Line -> (covered, total) conditions, where the report has branch data."
    )


class CoverageData(Frozen):
    files: dict[str, FileCoverage] = Field(default_factory=dict, description="Path -> coverage, sorted by path.")
    formats: tuple[str, ...] = Field(default=(), description="Formats of the merged reports, first-seen order.")
    notes: tuple[str, ...] = Field(default=(), description="One line per report with paths ignored (outside the repo).")


# ------------------------------------------------------------------------------------------ detection


def _strip_head(data: bytes) -> bytes:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data[:_SNIFF_BYTES].lstrip()


_LCOV_FIRST = re.compile(rb"^(?:[A-Z][A-Z_]*:|end_of_record\s*$)")
_LCOV_SF = re.compile(rb"^SF:", re.MULTILINE)
_COBERTURA_ROOT = re.compile(rb"<coverage[\s/>]")


def _detect(data: bytes) -> Optional[CoverageFormat]:
    head = _strip_head(data)
    if head.startswith(b"<"):
        return "cobertura" if _COBERTURA_ROOT.search(head) else None
    if head.startswith(b"{"):
        return "coverage-json"
    first = head.split(b"\n", 1)[0].rstrip(b"\r")
    if _LCOV_FIRST.match(first) and _LCOV_SF.search(head):
        return "lcov"
    return None


def detect_format(data: bytes) -> CoverageFormat:
    """The report's format, from its content. InputError when it is none of Cobertura XML, coverage.py JSON, LCOV."""
    found = _detect(data)
    if found is None:
        head = _strip_head(data)
        if not head:
            raise InputError("empty coverage report")
        if head.startswith(b"<"):
            raise InputError("XML that is not a Cobertura coverage report (root element is not <coverage>)")
        raise InputError("unknown coverage report format (expected Cobertura XML, coverage.py JSON or LCOV)")
    return found


# ------------------------------------------------------------------------------------------ path mapping


_WINDOWS_ABS = re.compile(r"^[A-Za-z]:/")


class _Resolver:
    """Maps report paths to repository-relative POSIX paths (None = outside the repository)."""

    def __init__(self, root: Path, source_roots: Sequence[str]) -> None:
        self.root = root
        prefixes = [_posix(os.path.abspath(root))]
        try:
            real = _posix(str(root.resolve()))
        except OSError:
            real = prefixes[0]
        if real not in prefixes:
            prefixes.append(real)
        self.root_prefixes = prefixes
        self.abs_roots: list[str] = []  # absolute explicit roots: prefixes to strip
        self.rel_roots: list[str] = []  # explicit roots inside the repository, repo-relative
        for raw in source_roots:
            text = _clean(raw)
            if text is None or not text.strip():
                continue
            if _is_abs(text):
                inside = self._inside_root(text)
                if inside is not None:
                    if inside:
                        self.rel_roots.append(inside)
                else:
                    self.abs_roots.append(_norm_abs(text))
            else:
                rel = _norm_rel(text)
                if rel:
                    self.rel_roots.append(rel)
        self.source_dirs: list[str] = []
        self.ignored: list[str] = []

    def set_sources(self, sources: Iterable[str]) -> None:
        """Cobertura ``<source>`` entries: directories the report's relative paths are relative to."""
        dirs: list[str] = []
        for raw in sources:
            text = _clean(raw)
            if text is None or not text.strip():
                continue
            mapped = self._map_absolute(text) if _is_abs(text) else _norm_rel(text)
            if mapped is not None and mapped not in dirs:
                dirs.append(mapped)
        self.source_dirs = dirs

    def _inside_root(self, abs_path: str) -> Optional[str]:
        path = _norm_abs(abs_path)
        for prefix in self.root_prefixes:
            if path == prefix:
                return ""
            if path.startswith(prefix.rstrip("/") + "/"):
                return path[len(prefix.rstrip("/")) + 1 :]
        return None

    def _map_absolute(self, abs_path: str) -> Optional[str]:
        inside = self._inside_root(abs_path)
        if inside is not None:
            return inside
        path = _norm_abs(abs_path)
        for prefix in self.abs_roots:
            if path == prefix:
                return ""
            if path.startswith(prefix.rstrip("/") + "/"):
                return _norm_rel(path[len(prefix.rstrip("/")) + 1 :])
        return None

    def resolve(self, raw: str) -> Optional[str]:
        text = _clean(raw)
        if text is None:
            self.ignored.append(raw)
            return None
        if _is_abs(text):
            mapped = self._map_absolute(text)
            if not mapped:
                self.ignored.append(raw)
                return None
            return mapped
        candidates: list[str] = []
        for base in self.source_dirs:
            candidates.append(posixpath.join(base, text) if base else text)
        for base in self.rel_roots:
            candidates.append(posixpath.join(base, text))
            if text.startswith(base + "/"):
                candidates.append(text[len(base) + 1 :])
        candidates.append(text)
        normalized = [c for c in (_norm_rel(c) for c in candidates) if c]
        if not normalized:
            self.ignored.append(raw)
            return None
        for cand in normalized:
            if (self.root / cand).is_file():
                return cand
        return normalized[0]


def _posix(path: str) -> str:
    return path.replace("\\", "/")


def _clean(raw: str) -> Optional[str]:
    """Report path -> slash-separated text; None for a URI that cannot name a local file."""
    text = raw.strip()
    if text.lower().startswith("file:"):
        parts = urlsplit(text)
        if parts.netloc not in ("", "localhost"):
            return None
        text = unquote(parts.path)
        if re.match(r"^/[A-Za-z]:/", text):  # file:///C:/x -> C:/x
            text = text[1:]
    return _posix(text)


def _is_abs(path: str) -> bool:
    return path.startswith("/") or bool(_WINDOWS_ABS.match(path))


def _norm_abs(path: str) -> str:
    if _WINDOWS_ABS.match(path):
        return path[:2] + posixpath.normpath(path[2:])
    return posixpath.normpath(path)


def _norm_rel(path: str) -> Optional[str]:
    """Normalised relative path; '' for the root itself; None when it escapes the root."""
    norm = posixpath.normpath(path)
    if norm == ".":
        return ""
    if norm == ".." or norm.startswith("../"):
        return None
    return norm


# ------------------------------------------------------------------------------------------ parsing


class _Builder:
    """Accumulates lines and branches per repository path, merging duplicates."""

    def __init__(self, label: str, resolver: _Resolver) -> None:
        self.label = label
        self.resolver = resolver
        self.lines: dict[str, dict[int, int]] = {}
        self.branches: dict[str, dict[int, tuple[int, int]]] = {}
        self._cache: dict[str, Optional[str]] = {}

    def path(self, raw: str) -> Optional[str]:
        if raw not in self._cache:
            self._cache[raw] = self.resolver.resolve(raw)
        return self._cache[raw]

    def add_file(self, path: str) -> None:
        self.lines.setdefault(path, {})
        self.branches.setdefault(path, {})

    def add_line(self, path: str, line: int, hits: int) -> None:
        if line < 1:
            return
        lines = self.lines.setdefault(path, {})
        lines[line] = lines.get(line, 0) + max(hits, 0)

    def add_branch(self, path: str, line: int, covered: int, total: int) -> None:
        if line < 1 or total <= 0:
            return
        branches = self.branches.setdefault(path, {})
        old = branches.get(line)
        branches[line] = _merge_branch(old, (min(covered, total), total))

    def build(self, fmt: str) -> CoverageData:
        files = {}
        for path in sorted(set(self.lines) | set(self.branches)):
            files[path] = FileCoverage(
                path=path,
                lines=dict(sorted(self.lines.get(path, {}).items())),
                branches=dict(sorted(self.branches.get(path, {}).items())),
            )
        notes: tuple[str, ...] = ()
        ignored = sorted(set(self.resolver.ignored))
        if ignored:
            notes = (
                f"{self.label}: {len(ignored)} file(s) outside the repository ignored, e.g. {ignored[0]}",
            )
        return CoverageData(files=files, formats=(fmt,), notes=notes)


def _merge_branch(old: Optional[tuple[int, int]], new: tuple[int, int]) -> tuple[int, int]:
    if old is None:
        return new
    total = max(old[1], new[1])
    return (min(max(old[0], new[0]), total), total)


_WHOLE_FLOAT = re.compile(r"\s*[+-]?\d+\.0*\s*")


def _int(value: Any, label: str, what: str) -> int:
    if type(value) is int:
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            if _WHOLE_FLOAT.fullmatch(value):  # some producers write hits as 3.0
                return int(float(value))
    raise InputError(f"{label}: invalid {what} {value!r}")


_CONDITION = re.compile(r"\((\d+)\s*/\s*(\d+)\)")


def _parse_cobertura(data: bytes, label: str, builder: _Builder) -> None:
    try:
        root = DET.fromstring(data)
    except defusedxml.EntitiesForbidden:
        raise InputError(f"{label}: XML entity declarations are not allowed (possible entity-expansion attack)") from None
    except defusedxml.ExternalReferenceForbidden:
        raise InputError(f"{label}: XML external references are not allowed") from None
    except defusedxml.DefusedXmlException as err:
        raise InputError(f"{label}: forbidden XML construct ({type(err).__name__})") from None
    except ET.ParseError as err:
        raise InputError(f"{label}: malformed or truncated XML ({err})") from None
    except (ValueError, RecursionError) as err:
        raise InputError(f"{label}: unreadable XML ({err})") from None
    if root.tag != "coverage":
        raise InputError(f"{label}: XML root element is <{root.tag}>, not a Cobertura <coverage> report")
    if root.find("packages") is None and root.find("project") is not None:
        raise InputError(f"{label}: Clover XML is not supported (use Cobertura XML: `coverage xml`)")
    builder.resolver.set_sources(s.text or "" for s in root.findall("sources/source"))
    for cls in root.iter("class"):
        filename = cls.get("filename")
        if not filename:
            continue
        path = builder.path(filename)
        if path is None:
            continue
        builder.add_file(path)
        for node in cls.findall("lines/line"):
            number = _int(node.get("number"), label, f"line number in {filename}")
            hits = _int(node.get("hits", "0"), label, f"hits on {filename}:{number}")
            builder.add_line(path, number, hits)
            if node.get("branch", "false").lower() == "true":
                match = _CONDITION.search(node.get("condition-coverage", ""))
                if match:
                    builder.add_branch(path, number, int(match.group(1)), int(match.group(2)))


def _parse_coverage_json(data: bytes, label: str, builder: _Builder) -> None:
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError) as err:
        raise InputError(f"{label}: malformed or truncated JSON ({err})") from None
    files = doc.get("files") if isinstance(doc, dict) else None
    if not isinstance(files, dict):
        raise InputError(f"{label}: JSON that is not a coverage.py report (no 'files' object)")
    for filename, entry in files.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("executed_lines"), list):
            raise InputError(f"{label}: JSON that is not a coverage.py report (no 'executed_lines' for {filename})")
        path = builder.path(filename)
        if path is None:
            continue
        builder.add_file(path)
        what = f"line number in {filename}"
        for line in entry.get("missing_lines") or []:
            builder.add_line(path, _int(line, label, what), 0)
        for line in entry["executed_lines"]:
            builder.add_line(path, _int(line, label, what), 1)
        arcs: dict[int, list[int]] = {}
        for key, taken in (("executed_branches", 1), ("missing_branches", 0)):
            for arc in entry.get(key) or []:
                if not isinstance(arc, list) or len(arc) != 2:
                    raise InputError(f"{label}: invalid branch {arc!r} in {filename}")
                start = _int(arc[0], label, f"branch in {filename}")
                counts = arcs.setdefault(start, [0, 0])
                counts[0] += taken
                counts[1] += 1
        for start, (covered, total) in arcs.items():
            builder.add_branch(path, start, covered, total)


def _parse_lcov(data: bytes, label: str, builder: _Builder) -> None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(f"{label}: LCOV report is not UTF-8 ({err.reason} at byte {err.start})") from None
    path: Optional[str] = None
    in_record = False
    branch_counts: dict[int, list[int]] = {}
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line == "end_of_record":
            if not in_record:
                raise InputError(f"{label}:{lineno}: end_of_record without SF")
            if path is not None:
                for number, (covered, total) in branch_counts.items():
                    builder.add_branch(path, number, covered, total)
            path, in_record, branch_counts = None, False, {}
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise InputError(f"{label}:{lineno}: not an LCOV line: {line[:60]!r}")
        if key == "SF":
            if in_record:
                raise InputError(f"{label}:{lineno}: SF before end_of_record of the previous file")
            in_record = True
            path = builder.path(value)
            if path is not None:
                builder.add_file(path)
            continue
        if key not in ("DA", "BRDA"):
            continue  # TN, FN, FNDA, FNF, FNH, LF, LH, BRF, BRH, VER, ...
        if not in_record:
            raise InputError(f"{label}:{lineno}: {key} outside a file record (no SF)")
        fields = value.split(",")
        if key == "DA":
            if len(fields) < 2:
                raise InputError(f"{label}:{lineno}: invalid DA line: {line[:60]!r}")
            number = _int(fields[0], f"{label}:{lineno}", "line number")
            hits = _int(fields[1], f"{label}:{lineno}", "hit count")
            if path is not None:
                builder.add_line(path, number, hits)
        else:
            if len(fields) < 4:
                raise InputError(f"{label}:{lineno}: invalid BRDA line: {line[:60]!r}")
            number = _int(fields[0], f"{label}:{lineno}", "line number")
            # BRDA:<line>,<block>,<branch>,<taken>; the branch name may hold commas, taken is last; "-" = never run
            taken = 0 if fields[-1].strip() == "-" else _int(fields[-1], f"{label}:{lineno}", "branch count")
            counts = branch_counts.setdefault(number, [0, 0])
            counts[0] += 1 if taken > 0 else 0
            counts[1] += 1
    if in_record:
        raise InputError(f"{label}: truncated LCOV report (last record has no end_of_record)")


_PARSERS = {"cobertura": _parse_cobertura, "coverage-json": _parse_coverage_json, "lcov": _parse_lcov}


def parse_coverage(
    data: bytes, *, report_path: str, root: Path, source_roots: Sequence[str] = ()
) -> CoverageData:
    """Parse one report (format detected from ``data``); paths mapped into ``root`` (see the module doc).

    Pure apart from path resolution: candidate paths are checked for existence under ``root``.
    InputError (one line, starting with ``report_path``) for an unknown format or a corrupt report.
    """
    try:
        fmt = detect_format(data)
    except InputError as err:
        raise InputError(f"{report_path}: {err}") from None
    resolver = _Resolver(Path(root), source_roots)
    builder = _Builder(report_path, resolver)
    _PARSERS[fmt](data, report_path, builder)
    return builder.build(fmt)


def load_coverage(path: Path, *, root: Path, source_roots: Sequence[str] = ()) -> CoverageData:
    """Read and parse one report. InputError for a missing, unreadable, corrupt, truncated or unknown report."""
    label = str(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"coverage report not found: {label}") from None
    except IsADirectoryError:
        raise InputError(f"coverage report is a directory: {label}") from None
    except OSError as err:
        raise InputError(f"cannot read coverage report {label}: {err.strerror or err}") from None
    return parse_coverage(data, report_path=label, root=root, source_roots=source_roots)


# ------------------------------------------------------------------------------------------ merging


def merge_coverage(items: Sequence[CoverageData]) -> CoverageData:
    """Union of several reports: hits summed (covered when any report covers), branches max covered / max total."""
    if len(items) == 1:
        return items[0]
    lines: dict[str, dict[int, int]] = {}
    branches: dict[str, dict[int, tuple[int, int]]] = {}
    formats: list[str] = []
    notes: list[str] = []
    for item in items:
        for fmt in item.formats:
            if fmt not in formats:
                formats.append(fmt)
        notes.extend(item.notes)
        for path, fc in item.files.items():
            acc = lines.setdefault(path, {})
            for line, hits in fc.lines.items():
                acc[line] = acc.get(line, 0) + hits
            bacc = branches.setdefault(path, {})
            for line, pair in fc.branches.items():
                bacc[line] = _merge_branch(bacc.get(line), pair)
    files = {
        path: FileCoverage(path=path, lines=dict(sorted(lines[path].items())), branches=dict(sorted(branches[path].items())))
        for path in sorted(lines)
    }
    return CoverageData(files=files, formats=tuple(formats), notes=tuple(notes))


# ------------------------------------------------------------------------------------------ measures


def check_matches(data: CoverageData, analyzed_paths: Collection[str], report_label: str) -> None:
    """InputError when none of the report's files is an analyzed path (a report from another checkout/layout).

    Call it per report (before merging). Nothing to check when ``analyzed_paths`` is empty.
    """
    if not analyzed_paths:
        return
    analyzed = set(analyzed_paths)
    if any(path in analyzed for path in data.files):
        return
    if not data.files:
        raise InputError(f"coverage report {report_label} lists no file inside the repository")
    example = next(iter(sorted(data.files)))
    hint = "; set source roots to map its paths"
    for candidate in sorted(analyzed):
        if candidate.endswith("/" + example):
            hint = f"; did you mean source root '{candidate[: -len(example) - 1]}'?"
            break
    else:
        for candidate in sorted(analyzed):
            if example.endswith("/" + candidate):
                hint = f"; did you mean source root '{example[: -len(candidate) - 1]}' (prefix to strip)?"
                break
    raise InputError(
        f"coverage report {report_label} matches no analyzed file (e.g. report path '{example}'){hint}"
    )


def _pct(num: int, den: int) -> Optional[float]:
    return None if den == 0 else round(100.0 * num / den, 1)


def _measures(lc: int, ul: int, cond: int, ucond: int, prefix: str) -> dict[str, Optional[float | int]]:
    return {
        f"{prefix}coverage": _pct(lc - ul + cond - ucond, lc + cond),
        f"{prefix}line_coverage": _pct(lc - ul, lc),
        f"{prefix}branch_coverage": _pct(cond - ucond, cond),
        f"{prefix}lines_to_cover": lc,
        f"{prefix}uncovered_lines": ul,
        f"{prefix}conditions_to_cover": cond,
        f"{prefix}uncovered_conditions": ucond,
    }


def coverage_measures(
    data: CoverageData,
    analyzed_paths: Collection[str],
    new_lines: Optional[Mapping[str, Optional[frozenset[int]]]],
) -> dict[str, Optional[float | int]]:
    """SonarQube's coverage measures over the analyzed paths, overall and on new code (``new_`` keys).

    coverage = (CT + CB) / (LC + B) * 100, line_coverage = CT / LC * 100, branch_coverage = CB / B * 100
    (CT covered lines, LC lines to cover, CB covered conditions, B conditions). Percentages are rounded
    to 1 decimal, None when the denominator is 0. ``new_lines``: path -> new lines; None = all code is
    new; a None value for one path = that whole file is new (an untracked file).
    """
    analyzed = set(analyzed_paths)
    totals = [0, 0, 0, 0]
    new = [0, 0, 0, 0]
    for path, fc in data.files.items():
        if path not in analyzed:
            continue
        whole = new_lines is None or (path in new_lines and new_lines[path] is None)
        fresh: frozenset[int] = frozenset()
        if not whole and new_lines is not None:
            fresh = new_lines.get(path) or frozenset()
        for line, hits in fc.lines.items():
            is_new = int(whole or line in fresh)
            totals[0] += 1
            new[0] += is_new
            if hits == 0:
                totals[1] += 1
                new[1] += is_new
        for line, (covered, total) in fc.branches.items():
            is_new = whole or line in fresh
            totals[2] += total
            totals[3] += total - covered
            if is_new:
                new[2] += total
                new[3] += total - covered
    result = _measures(*totals, prefix="")
    result.update(_measures(*new, prefix="new_"))
    return result
