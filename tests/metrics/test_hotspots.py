import json

import pytest

from qgate.errors import InputError
from qgate.metrics.hotspots import (
    HotspotReviews,
    apply_reviews,
    hotspot_measures,
    load_reviews,
    record_review,
    save_reviews,
)
from qgate.model import Issue, IssueType, Severity


def hotspot(line, line_hash="h", new=True, rule="B404", type_=IssueType.SECURITY_HOTSPOT):
    return Issue(
        rule=rule, tool="bandit", type=type_, severity=Severity.MINOR, message="m", path="a.py", line=line,
        end_line=line, column=1, end_column=2, effort_minutes=1, line_hash=line_hash, fingerprint=f"fp{line}", new=new,
    )


def test_reviews_follow_the_hotspot_across_a_line_shift():
    reviews = record_review(HotspotReviews(), hotspot(3), "safe", "input is constant")
    shifted = apply_reviews([hotspot(10), hotspot(11, line_hash="other")], reviews.reviews)
    assert [h.review for h in shifted] == ["safe", "to_review"]
    assert reviews.reviews[0].comment == "input is constant"


def test_non_hotspots_get_no_review_status():
    (issue,) = apply_reviews([hotspot(1, type_=IssueType.VULNERABILITY)], ())
    assert issue.review is None


def test_recording_again_replaces_the_previous_review():
    reviews = record_review(HotspotReviews(), hotspot(3), "safe", "")
    reviews = record_review(reviews, hotspot(3), "fixed", "rewritten")
    assert [(r.status, r.comment) for r in reviews.reviews] == [("fixed", "rewritten")]


def test_sonarqube_formula_for_reviewed_percentages():
    issues = apply_reviews(
        [hotspot(1, "a"), hotspot(2, "b"), hotspot(3, "c", new=False), hotspot(4, "d", new=False)],
        record_review(record_review(HotspotReviews(), hotspot(1, "a"), "safe", ""), hotspot(3, "c"), "fixed", "").reviews,
    )
    measures = hotspot_measures(issues)
    assert measures["security_hotspots_reviewed"] == 50.0
    assert measures["security_review_rating"] == 3
    assert measures["new_security_hotspots_reviewed"] == 50.0
    assert measures["new_security_hotspots_to_review"] == 1
    assert measures["security_hotspots_to_review"] == 2


def test_no_hotspots_means_no_value():
    measures = hotspot_measures([])
    assert measures["security_hotspots_reviewed"] is None
    assert measures["new_security_hotspots_reviewed"] is None


def test_file_round_trip_and_absent_file(tmp_path):
    path = tmp_path / ".qgate" / "hotspots.json"
    assert load_reviews(path) == HotspotReviews()
    reviews = record_review(HotspotReviews(), hotspot(3), "safe", "ok")
    save_reviews(path, reviews)
    assert json.loads(path.read_text())["schema"] == "qgate-hotspot-reviews"
    assert load_reviews(path) == reviews


@pytest.mark.parametrize(("content", "message"), [("{", "corrupt"), ('{"schema": "x"}', "not a qgate hotspot"), ('{"schema": "qgate-hotspot-reviews", "reviews": [{}]}', "reviews.0")])
def test_bad_files_are_input_errors(tmp_path, content, message):
    path = tmp_path / "h.json"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        load_reviews(path)
