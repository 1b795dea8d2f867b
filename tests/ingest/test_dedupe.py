"""Near-duplicates: a reprint joins its original; two stories on one topic stay apart."""

from __future__ import annotations

from ingest_support import SAMPLES

from digest.ingest import NearDuplicateIndex, parse_text_article
from digest.ingest.dedupe import from_signature, minhash, signature

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


def find(index: NearDuplicateIndex, text: str) -> list:
    return index.find_signature(signature(text))


def test_reprint_with_trailer_and_other_title_is_found() -> None:
    index = NearDuplicateIndex()
    index.add("original", ORIGINAL)
    assert find(index, REPRINT) == ["original"]


def test_different_story_on_the_same_topic_is_not_found() -> None:
    index = NearDuplicateIndex()
    index.add("original", ORIGINAL)
    assert find(index, SAME_TOPIC) == []
    assert minhash(ORIGINAL).jaccard(minhash(SAME_TOPIC)) < 0.2


def test_seed_and_its_reprint_match(seed_text: str) -> None:
    article = parse_text_article(seed_text)
    index = NearDuplicateIndex()
    index.add(1, article.text)
    index.add(2, ORIGINAL)
    assert find(index, seed_text) == [1]  # the raw page, title and trailer included


def test_signature_round_trip_rebuilds_the_index() -> None:
    stored = signature(ORIGINAL)
    assert isinstance(stored, bytes)
    index = NearDuplicateIndex()
    index.add_signature(42, stored)
    assert find(index, REPRINT) == [42]
    assert from_signature(stored).jaccard(from_signature(signature(REPRINT))) > 0.5


def test_removed_key_is_no_longer_found() -> None:
    index = NearDuplicateIndex()
    index.add("a", ORIGINAL)
    index.remove("a")
    assert find(index, ORIGINAL) == [] and len(index) == 0
