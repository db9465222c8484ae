from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from qgate.analyzers.base import AnalyzerContext, RuleSelection
from qgate.analyzers.cst import CstAnalyzer
from qgate.source import SourceFile, load_source


@pytest.fixture
def write_sources(tmp_path: Path) -> Callable[[dict[str, str]], list[SourceFile]]:
    """Write files under tmp_path and load them as the pipeline would (real files, real decoding)."""

    def write(files: dict[str, str]) -> list[SourceFile]:
        sources = []
        for rel, text in files.items():
            path = tmp_path / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode("utf-8"))
            sources.append(load_source(rel, path))
        return sources

    return write


@pytest.fixture
def make_analyzer(tmp_path: Path) -> Callable[..., CstAnalyzer]:
    def make(selection: RuleSelection | None = None) -> CstAnalyzer:
        return CstAnalyzer(AnalyzerContext(root=tmp_path, selection=selection or RuleSelection()))

    return make
