import json

import pytest

from qgate.errors import UsageError
from qgate.reporters import registry, text

from .sample_report import sample_report


def test_every_format_is_registered_and_renders_a_string():
    assert sorted(registry.REPORTERS) == ["github", "gitlab", "json", "junit", "markdown", "sarif", "text"]
    for name in registry.REPORTERS:
        rendered = registry.get_reporter(name)(sample_report())
        assert isinstance(rendered, str) and rendered.endswith("\n"), name
    assert registry.get_reporter("text")(sample_report()) == text.render(sample_report(), color=False)
    assert json.loads(registry.get_reporter("sarif")(sample_report()))["version"] == "2.1.0"


def test_unknown_format_is_a_usage_error_listing_the_known_ones():
    with pytest.raises(UsageError) as raised:
        registry.get_reporter("nope")
    assert str(raised.value) == "unknown report format 'nope' (known formats: github, gitlab, json, junit, markdown, sarif, text)"
