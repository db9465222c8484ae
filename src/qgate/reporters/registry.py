"""Report formats by name: ``get_reporter("sarif")(report) -> str``."""

from __future__ import annotations

from typing import Callable

from qgate.errors import UsageError
from qgate.model import Report
from qgate.reporters import github, gitlab, junit, markdown, sarif, text
from qgate.reporters import json as json_reporter

Reporter = Callable[[Report], str]

REPORTERS: dict[str, Reporter] = {
    "text": text.render,
    "json": json_reporter.render,
    "sarif": sarif.render,
    "gitlab": gitlab.render,
    "junit": junit.render,
    "markdown": markdown.render,
    "github": github.render,
}


def get_reporter(name: str) -> Reporter:
    try:
        return REPORTERS[name]
    except KeyError:
        known = ", ".join(sorted(REPORTERS))
        raise UsageError(f"unknown report format {name!r} (known formats: {known})") from None
