"""Loading one source file: bytes to text, comments, raw line counts. One tokenize pass, no parsing.

Everything here is a pure function of the file's bytes except :func:`load_source`, which reads them.
"""

from __future__ import annotations

import hashlib
import io
import re
import tokenize
from functools import cached_property
from pathlib import Path
from typing import Iterable, Optional, Union

from pydantic import Field

from qgate.model import Frozen


class SourceFile(Frozen):
    """A decoded Python source file, the unit every per-file analyzer works on."""

    path: str = Field(description="Repository-relative POSIX path.")
    abspath: str
    text: str
    encoding: str = "utf-8"
    comments: dict[int, str] = Field(default_factory=dict, description="Line number to the text of its comment.")
    loc: int = 0
    ncloc: int = 0
    code_lines: frozenset[int] = Field(default=frozenset(), description="Lines holding code (their count is ncloc).")
    comment_lines: int = 0
    def_lines: tuple[int, ...] = Field(
        default=(), description="Line of every `def` keyword, in source order (k-th def = k-th function node)."
    )
    tokenize_error: Optional[str] = None

    def line(self, number: int) -> str:
        """The text of a 1-based line, '' past the end."""
        lines = self.lines
        return lines[number - 1] if 1 <= number <= len(lines) else ""

    @cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines()


class SourceDecodeError(ValueError):
    """The bytes are not a decodable Python source file; the message says why in one line."""


def decode_source(data: bytes) -> tuple[str, str]:
    """Decode Python source bytes honouring a BOM and a PEP 263 coding cookie. Returns (text, encoding)."""
    if b"\x00" in data:
        raise SourceDecodeError("source contains NUL bytes (binary file?)")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:  # undecodable first lines, or a coding cookie naming no codec
        raise SourceDecodeError(f"not valid utf-8 and no usable coding declaration ({exc.msg})") from None
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise SourceDecodeError(f"not valid {encoding}: {_short(exc)}") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, "utf-8" if encoding == "utf-8-sig" else encoding


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200]


_NON_CODE_TOKENS = frozenset(
    {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
)


def scan_tokens(text: str) -> tuple[dict[int, str], frozenset[int], tuple[int, ...], Optional[str]]:
    """Comments by line, the lines holding code (ncloc is their number), the lines of ``def`` keywords,
    and a tokenize error if any.

    ncloc counts lines holding at least one code token, as SonarQube does: a multi-line string counts
    every line it spans, blank lines and comment-only lines do not. On a tokenize error the counts fall
    back to a line-based approximation so that a broken file still has measures.
    """
    comments: dict[int, str] = {}
    code_lines: set[int] = set()
    def_lines: list[int] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                comments[tok.start[0]] = tok.string
            elif tok.type not in _NON_CODE_TOKENS:
                code_lines.update(range(tok.start[0], tok.end[0] + 1))
                if tok.type == tokenize.NAME and tok.string == "def":
                    def_lines.append(tok.start[0])
    except (tokenize.TokenError, SyntaxError, IndentationError) as exc:
        return _fallback_scan(text) + ((), f"{type(exc).__name__}: {_short(exc)}")
    return comments, frozenset(code_lines), tuple(def_lines), None


_COMMENT_RE = re.compile(r"#.*$")


def _fallback_scan(text: str) -> tuple[dict[int, str], frozenset[int]]:
    comments: dict[int, str] = {}
    code_lines: set[int] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            comments[number] = stripped
            continue
        code_lines.add(number)
        match = _COMMENT_RE.search(raw)
        if match and raw.count('"') % 2 == 0 and raw.count("'") % 2 == 0:
            comments[number] = match.group(0)
    return comments, frozenset(code_lines)


ScanResult = tuple[dict[int, str], frozenset[int], tuple[int, ...], Optional[str]]


def source_from_text(
    path: str,
    text: str,
    abspath: Union[str, Path] = "",
    encoding: str = "utf-8",
    scanned: Optional[ScanResult] = None,
) -> SourceFile:
    """A SourceFile from its text; ``scanned`` is a previous :func:`scan_tokens` result of the same text."""
    comments, code_lines, def_lines, error = scanned or scan_tokens(text)
    return SourceFile(
        path=path,
        abspath=str(abspath),
        text=text,
        encoding=encoding,
        comments=comments,
        loc=len(text.splitlines()),
        ncloc=len(code_lines),
        code_lines=code_lines,
        comment_lines=len(comments),
        def_lines=def_lines,
        tokenize_error=error,
    )


def load_source(path: str, abspath: Path, scans: Optional[dict] = None) -> SourceFile:
    """Read and decode one file. Raises OSError or SourceDecodeError.

    ``scans`` maps a hash of the text to a stored scan (comments, code lines, def lines, error) so that an
    unchanged file is not tokenized again; new scans are added to it."""
    text, encoding = decode_source(abspath.read_bytes())
    if scans is None:
        return source_from_text(path, text, abspath, encoding)
    key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    stored = scans.get(key)
    if stored is not None:
        comments, code_lines, def_lines, error = stored
        scanned: ScanResult = ({int(k): v for k, v in comments.items()}, frozenset(code_lines), tuple(def_lines), error)
    else:
        scanned = scan_tokens(text)
        scans[key] = [scanned[0], sorted(scanned[1]), list(scanned[2]), scanned[3]]
    return source_from_text(path, text, abspath, encoding, scanned)


def iter_lines(text: str) -> Iterable[tuple[int, str]]:
    return enumerate(text.splitlines(), start=1)
