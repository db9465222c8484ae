"""Shared constants and helpers of the hostile-case suite (imported as ``hostile.helpers``)."""

from __future__ import annotations

#: a configuration that runs only the fast per-file analyzers (no scanner start-up cost)
FAST = '[tool.qgate.analyzers]\nenabled = ["cst", "radon"]\n'

#: one issue for each analyzer: B404 (2:1), QG103 (5:11), B602 (6:5), QGS109 (7:12)
EVERY_ANALYZER = (
    "import datetime\n"
    "import subprocess\n"
    "\n"
    "\n"
    "def run(a=[]):\n"
    '    subprocess.call("ls " + a[0], shell=True)\n'
    "    return datetime.datetime.utcnow()\n"
)


def every_analyzer_issues(path: str) -> set[tuple[str, str, int, int]]:
    return {("B404", path, 2, 1), ("QG103", path, 5, 11), ("B602", path, 6, 5), ("QGS109", path, 7, 12)}


def located(report: dict) -> set[tuple[str, str, int, int]]:
    return {(i["rule"], i["path"], i["line"], i["column"]) for i in report["issues"]}


def processes_with_marker(marker: str) -> list[int]:
    """Pids of live processes whose environment holds ``QGATE_HOSTILE_MARK=<marker>`` (Linux /proc)."""
    import os

    needle = f"QGATE_HOSTILE_MARK={marker}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as handle:
                environ = handle.read()
            with open(f"/proc/{entry}/stat", "rb") as handle:
                state = handle.read().rsplit(b")", 1)[-1].split()[0]
        except OSError:
            continue
        if needle in environ.split(b"\0") and state != b"Z":
            found.append(int(entry))
    return found
