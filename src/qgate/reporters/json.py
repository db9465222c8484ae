"""The JSON report: the Report model as JSON (its JSON Schema is published by ``qgate schema``)."""

from __future__ import annotations

import json

from qgate.model import Report


def render(report: Report) -> str:
    return json.dumps(report.model_dump(mode="json"), indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def schema() -> str:
    document = Report.model_json_schema(mode="serialization")
    document = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://qgate.dev/schema/report-1.0.json",
        **document,
        "title": "qgate report",
    }
    return json.dumps(document, indent=2, sort_keys=True) + "\n"
