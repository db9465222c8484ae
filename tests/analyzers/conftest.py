"""Shared fixtures of the scanner tests (bandit, semgrep): the sample tree under fixtures/scanners/."""

from __future__ import annotations

from pathlib import Path

import pytest

from qgate.source import SourceFile, load_source

REPO_ROOT = Path(__file__).resolve().parents[2]
SCANNER_FIXTURES = REPO_ROOT / "fixtures" / "scanners"


def load_tree(root: Path, pattern: str = "*.py") -> list[SourceFile]:
    """SourceFiles for the files matching ``pattern`` directly under ``root``, sorted by path."""
    return [load_source(path.relative_to(root).as_posix(), path) for path in sorted(root.glob(pattern))]


@pytest.fixture(scope="session")
def scanner_root() -> Path:
    return SCANNER_FIXTURES


@pytest.fixture(scope="session")
def scanner_sources(scanner_root: Path) -> list[SourceFile]:
    sources = load_tree(scanner_root)
    # the awkward names are part of what is tested: keep them from silently disappearing
    assert {"-dash_name.py", "with space.py", "broken_syntax.py"} <= {s.path for s in sources}
    return sources
