"""Writing a report where the user asked: stdout, or a file written atomically."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

from qgate.atomic import atomic_write


def emit(text: str, output: Optional[Path]) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        atomic_write(output, text, what="report", make_parents=True)
