import json

import jsonschema

from qgate.reporters import json as json_reporter

from .golden_support import assert_golden
from .sample_report import sample_report


def test_json_report_matches_golden_file():
    assert_golden("report.json", json_reporter.render(sample_report()))


def test_json_report_has_the_documented_top_level_keys():
    data = json.loads(json_reporter.render(sample_report()))
    assert list(data)[:6] == ["schema_version", "tool", "root", "new_code", "ai", "gate"]
    assert {"metrics", "issues", "files", "errors", "suppressed", "skipped"} <= set(data)
    assert data["issues"][1]["cwe"] == [78]
    assert data["files"][0]["functions"][0]["qualified_name"] == "C.f"


def test_json_report_validates_against_the_published_schema():
    schema = json.loads(json_reporter.schema())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(json.loads(json_reporter.render(sample_report())), schema)
