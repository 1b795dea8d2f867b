"""Near-duplicates: a reprint joins its original; two stories on one topic stay apart."""

from __future__ import annotations

from datetime import UTC, datetime

from ingest_support import SAMPLES

from digest.ingest import NearDuplicateIndex, RawArticle, parse_text_article
from digest.ingest.dedupe import choose_original, from_signature, signature, similarity

ORIGINAL = parse_text_article((SAMPLES / "reprint.txt").read_text(encoding="utf-8")).text
REPRINT = (
    "Alpine line back in service\n\n"
    + ORIGINAL.replace("on Friday", "on Friday, officials said")
    + "\n\nThis article first appeared on Alpine Daily Ledger\n\n"
    "Summit Herald is proudly sponsored by Ridge Coffee Roasters\n\nRelated Posts"
)
SAME_TOPIC = (
    "The operator of the Hollen glacier railway warned on Monday that ticket prices would rise "
    "next year to pay for the avalanche repairs. Villagers who rely on the line for supplies "
    "asked the regional government for a discount, saying the railway is their only road in "
    "winter. The operator said it would consider a residents' pass but gave no figures, and "
    "noted that the new snow shed had already been tested by the first storms of the autumn."
)


def test_reprint_with_trailer_and_other_title_is_found() -> None:
    index = NearDuplicateIndex()
    index.add("original", ORIGINAL)
    assert index.find(REPRINT) == ["original"]


def test_different_story_on_the_same_topic_is_not_found() -> None:
    index = NearDuplicateIndex()
    index.add("original", ORIGINAL)
    assert index.find(SAME_TOPIC) == []
    assert similarity(ORIGINAL, SAME_TOPIC) < 0.2


def test_seed_and_its_reprint_match(seed_text: str) -> None:
    article = parse_text_article(seed_text)
    index = NearDuplicateIndex()
    index.add(1, article.text)
    index.add(2, ORIGINAL)
    assert index.find(seed_text) == [1]  # the raw page, title and trailer included


def test_signature_round_trip_rebuilds_the_index() -> None:
    stored = signature(ORIGINAL)
    assert isinstance(stored, bytes)
    index = NearDuplicateIndex()
    index.add_signature(42, stored)
    assert index.find(REPRINT) == [42]
    assert from_signature(stored).jaccard(from_signature(signature(REPRINT))) > 0.5


def test_removed_key_is_no_longer_found() -> None:
    index = NearDuplicateIndex()
    index.add("a", ORIGINAL)
    index.remove("a")
    assert index.find(ORIGINAL) == [] and len(index) == 0


def test_original_named_by_the_reprint_is_chosen() -> None:
    reprint = RawArticle(
        title="Reprint", text=ORIGINAL + " extra", url="https://summit-herald.example/x",
        origin="Alpine Daily Ledger", published_at=datetime(2024, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    original = RawArticle(
        title="Original", text=ORIGINAL, url="https://www.alpinedailyledger.example/rail",
        published_at=datetime(2024, 1, 2, tzinfo=UTC),
    )  # fmt: skip
    assert choose_original([reprint, original]) is original


def test_without_origins_the_earliest_published_is_chosen() -> None:
    early = RawArticle(title="a", text="short", published_at=datetime(2024, 1, 1, tzinfo=UTC))
    late = RawArticle(title="b", text="longer text", published_at=datetime(2024, 1, 2, tzinfo=UTC))
    undated = RawArticle(title="c", text="the longest text of all")
    assert choose_original([late, undated, early]) is early
