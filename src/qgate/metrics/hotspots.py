"""Security hotspot reviews: a file in the repository records which hotspots a person reviewed.

The reviews file (default ``.qgate/hotspots.json``) travels with the code, so a review made on a branch
merges with it. Reviews are matched to the current hotspots with the same one-to-one tracking as
baselines (rule, path, line hash, message), so they survive line shifts. SonarQube's formula:
``security_hotspots_reviewed = reviewed / (reviewed + to_review) x 100``, where a hotspot is reviewed when
its status is ``safe`` or ``fixed``; no value when there is no hotspot.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal, Optional, Sequence

from pydantic import ConfigDict, Field, ValidationError

from qgate.atomic import atomic_write
from qgate.errors import InputError
from qgate.model import Frozen, Issue, IssueType, MetricValue
from qgate.newcode.tracking import track

REVIEWS_SCHEMA = "qgate-hotspot-reviews"
DEFAULT_REVIEWS_PATH = Path(".qgate/hotspots.json")
ReviewStatus = Literal["to_review", "safe", "fixed"]


class HotspotReview(Frozen):
    rule: str
    path: str
    line: int = Field(ge=1)
    line_hash: str
    message: str
    fingerprint: str
    status: ReviewStatus
    comment: str = ""
    reviewed_at: str = ""

    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.path, self.line, self.rule, self.fingerprint)


class HotspotReviews(Frozen):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    schema_name: Literal["qgate-hotspot-reviews"] = Field(default=REVIEWS_SCHEMA, alias="schema")
    version: Literal[1] = 1
    reviews: tuple[HotspotReview, ...] = ()


def apply_reviews(issues: Sequence[Issue], reviews: Sequence[HotspotReview]) -> list[Issue]:
    """Set ``review`` on every hotspot: the matched review's status, else ``to_review``."""
    hotspot_index = [n for n, i in enumerate(issues) if i.type is IssueType.SECURITY_HOTSPOT]
    hotspots = [issues[n] for n in hotspot_index]
    matched = track(hotspots, reviews).previous_index()
    result = list(issues)
    for position, n in enumerate(hotspot_index):
        status = reviews[matched[position]].status if position in matched else "to_review"
        result[n] = issues[n].model_copy(update={"review": status})
    return result


def _reviewed_percent(hotspots: Sequence[Issue]) -> Optional[float]:
    if not hotspots:
        return None
    reviewed = sum(1 for h in hotspots if h.review in ("safe", "fixed"))
    return round(100.0 * reviewed / len(hotspots), 1)


def hotspot_measures(active: Sequence[Issue]) -> dict[str, MetricValue]:
    from qgate.metrics.debt import review_rating

    hotspots = [i for i in active if i.type is IssueType.SECURITY_HOTSPOT]
    new = [h for h in hotspots if h.new]
    overall, on_new = _reviewed_percent(hotspots), _reviewed_percent(new)
    return {
        "security_hotspots_reviewed": overall,
        "security_hotspots_to_review": sum(1 for h in hotspots if h.review in (None, "to_review")),
        "security_review_rating": review_rating(overall),
        "new_security_hotspots_reviewed": on_new,
        "new_security_hotspots_to_review": sum(1 for h in new if h.review in (None, "to_review")),
        "new_security_review_rating": review_rating(on_new),
    }


def load_reviews(path: Path) -> HotspotReviews:
    """The reviews file; an absent file means no review. Corrupt or foreign files are an InputError."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return HotspotReviews()
    except OSError as exc:
        raise InputError(f"cannot read hotspot reviews {path}: {exc.strerror or exc}") from None
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"corrupt hotspot reviews {path}: {str(exc).splitlines()[0]}") from None
    except RecursionError:
        raise InputError(f"corrupt hotspot reviews {path}: JSON nested too deeply") from None
    if not isinstance(doc, dict) or doc.get("schema") != REVIEWS_SCHEMA:
        raise InputError(f"not a qgate hotspot reviews file: {path} (expected schema {REVIEWS_SCHEMA!r})")
    try:
        return HotspotReviews.model_validate(doc)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "document"
        raise InputError(f"corrupt hotspot reviews {path}: {where}: {first['msg']}") from None


def record_review(reviews: HotspotReviews, hotspot: Issue, status: ReviewStatus, comment: str) -> HotspotReviews:
    """The reviews with this hotspot's review added or replaced (one review per hotspot)."""
    entry = HotspotReview(
        rule=hotspot.rule, path=hotspot.path, line=hotspot.line, line_hash=hotspot.line_hash,
        message=hotspot.message, fingerprint=hotspot.fingerprint, status=status, comment=comment,
        reviewed_at=datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
    )
    kept = [r for r in reviews.reviews if track([hotspot], [r]).matched == ()]
    return HotspotReviews(reviews=tuple(sorted([*kept, entry], key=HotspotReview.sort_key)))


def save_reviews(path: Path, reviews: HotspotReviews) -> None:
    text = json.dumps(reviews.model_dump(mode="json", by_alias=True), indent=2, ensure_ascii=False) + "\n"
    atomic_write(path, text, what="hotspot reviews", make_parents=True)
