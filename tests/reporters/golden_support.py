"""Golden files: compare rendered output with tests/reporters/golden/<name>; QGATE_UPDATE_GOLDEN=1 rewrites them."""

import os
from pathlib import Path

GOLDEN = Path(__file__).parent / "golden"


def assert_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("QGATE_UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{name} differs from its golden file (QGATE_UPDATE_GOLDEN=1 to accept)"
