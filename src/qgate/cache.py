"""Per-file analysis results, cached between runs (an edge module: it reads and writes ``.qgate/cache``).

A result is stored per analyzer and per file, under a key hashing the analyzer's cache token (qgate's
version, the analyzer, its tool version, options, rule selection and rule files) with the file's path and
content. A re-run on unchanged files reads every result from here and starts no scanner. Like ruff's
cache, the folder holds a ``.gitignore`` of its own, and a corrupt cache file is ignored, never fatal.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Optional

from pydantic import ValidationError

from qgate import __version__
from qgate.analyzers.base import AnalyzerOutput
from qgate.atomic import atomic_write
from qgate.errors import InputError
from qgate.source import SourceFile

CACHE_FORMAT = 1
MAX_ENTRIES = 100_000


def file_key(token: str, source: SourceFile) -> str:
    digest = hashlib.sha256()
    for part in (token, source.path, source.text):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()[:32]


class AnalyzerCache:
    """The cached per-file outputs of one analyzer (with one cache token), loaded once, saved once."""

    def __init__(self, directory: Path, analyzer: str, token: str) -> None:
        self.token = token
        self.path = directory / f"v{CACHE_FORMAT}" / f"{analyzer}-{hashlib.sha256(token.encode()).hexdigest()[:16]}.json"
        self._entries: dict[str, dict] = self._load()
        self._used: dict[str, dict] = {}

    def _load(self) -> dict[str, dict]:
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(document, dict) or document.get("qgate") != __version__ or document.get("token") != self.token:
            return {}
        entries = document.get("entries")
        return entries if isinstance(entries, dict) else {}

    def get(self, source: SourceFile) -> Optional[AnalyzerOutput]:
        key = file_key(self.token, source)
        raw = self._entries.get(key)
        if raw is None:
            return None
        try:
            output = AnalyzerOutput.model_validate(raw)
        except ValidationError:
            return None
        self._used[key] = raw
        return output

    def put(self, source: SourceFile, output: AnalyzerOutput) -> None:
        self._used[file_key(self.token, source)] = output.model_dump(mode="json")

    def save(self) -> None:
        """Keep this run's entries first, then older ones (other branches), up to MAX_ENTRIES."""
        merged = dict(self._used)
        for key, value in self._entries.items():
            if len(merged) >= MAX_ENTRIES:
                break
            merged.setdefault(key, value)
        document = {"qgate": __version__, "token": self.token, "entries": merged}
        try:
            atomic_write(self.path, json.dumps(document, separators=(",", ":")), what="cache", make_parents=True)
            ignore = self.path.parent.parent / ".gitignore"
            if not ignore.exists():
                atomic_write(ignore, "# created by qgate\n*\n", what="cache")
        except InputError:
            pass  # a read-only checkout still gets its analysis; only the next run is slower


def split_by_file(output: AnalyzerOutput, sources: list[SourceFile]) -> dict[str, AnalyzerOutput]:
    """One output per analyzed file (empty for a file without findings), for caching a batch analyzer's run."""
    issues: dict[str, list] = {s.path: [] for s in sources}
    files: dict[str, list] = {s.path: [] for s in sources}
    errors: dict[str, list] = {s.path: [] for s in sources}
    for issue in output.issues:
        issues.setdefault(issue.path, []).append(issue)
    for report in output.files:
        files.setdefault(report.path, []).append(report)
    for error in output.errors:
        if error.path is not None:
            errors.setdefault(error.path, []).append(error)
    return {
        s.path: AnalyzerOutput(issues=tuple(issues[s.path]), files=tuple(files[s.path]), errors=tuple(errors[s.path]))
        for s in sources
    }


class KeyedCache:
    """One JSON document of key -> value, loaded once and saved once (file scans, the duplication result)."""

    def __init__(self, directory: Path, name: str) -> None:
        self.path = directory / f"v{CACHE_FORMAT}" / f"{name}.json"
        self._entries: dict[str, object] = {}
        self._used: dict[str, object] = {}
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if isinstance(document, dict) and document.get("qgate") == __version__ and isinstance(document.get("entries"), dict):
            self._entries = document["entries"]

    def get(self, key: str) -> Optional[object]:
        value = self._entries.get(key)
        if value is not None:
            self._used[key] = value
        return value

    def put(self, key: str, value: object) -> None:
        self._used[key] = value

    __setitem__ = put

    def save(self, keep_unused: bool = True) -> None:
        merged = dict(self._used)
        if keep_unused:
            for key, value in self._entries.items():
                if len(merged) >= MAX_ENTRIES:
                    break
                merged.setdefault(key, value)
        try:
            atomic_write(self.path, json.dumps({"qgate": __version__, "entries": merged}, separators=(",", ":")),
                         what="cache", make_parents=True)
        except InputError:
            pass  # a read-only checkout still gets its analysis; only the next run is slower


def content_key(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()[:32]
