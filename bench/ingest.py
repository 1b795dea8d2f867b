"""Ingest throughput: parse + clean + near-duplicate check of synthetic feeds.

Run: .venv/bin/python bench/ingest.py [--sizes 10000 100000]
Prints articles per second at each size and the cost ratio of the largest to the smallest
run (linear scaling gives a ratio equal to the size ratio). Feeds are generated here from a
made-up vocabulary; about one article in ten is a reprint of an earlier one with another
title and a sponsor trailer.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Iterator
from xml.sax.saxutils import escape

from digest.ingest.dedupe import NearDuplicateIndex
from digest.ingest.feeds import parse_feed

ENTRIES_PER_FEED = 100
REPRINT_SHARE = 0.1
SYLLABLES = ["ka", "lo", "mi", "ren", "tas", "vo", "shi", "pel", "dor", "an", "ex", "qui", "bra"]


def make_vocabulary(rng: random.Random, size: int = 5000) -> list[str]:
    words = {"".join(rng.choices(SYLLABLES, k=rng.randint(1, 4))) for _ in range(size * 2)}
    return sorted(words)[:size]


def make_sentences(rng: random.Random, vocabulary: list[str], count: int = 50_000) -> list[str]:
    """A pool of made-up sentences; two articles rarely share one of them."""
    return [
        " ".join(rng.choices(vocabulary, k=rng.randint(8, 18))).capitalize() + "."
        for _ in range(count)
    ]


def make_article(rng: random.Random, sentences: list[str]) -> str:
    paragraphs = [" ".join(rng.sample(sentences, rng.randint(2, 4))) for _ in range(4)]
    return "\n\n".join(paragraphs)


def make_feeds(total: int, seed: int = 7) -> Iterator[tuple[bytes, int]]:
    """RSS 2.0 documents of ENTRIES_PER_FEED items, and how many reprints each holds."""
    rng = random.Random(seed)
    sentences = make_sentences(rng, make_vocabulary(rng))
    written: list[str] = []
    for start in range(0, total, ENTRIES_PER_FEED):
        items, reprints = [], 0
        for number in range(start, min(start + ENTRIES_PER_FEED, total)):
            if written and rng.random() < REPRINT_SHARE:
                body = rng.choice(written[-2000:]) + (
                    "\n\nThis article first appeared on Example Wire"
                    "\n\nThe Daily Sample is proudly sponsored by Acme Widgets"
                )
                reprints += 1
            else:
                body = make_article(rng, sentences)
                written.append(body)
            items.append(_item(number, body))
        yield _feed(items), reprints


def _item(number: int, body: str) -> str:
    html = "".join(f"<p>{escape(p)}</p>" for p in body.split("\n\n"))
    return (
        f"<item><title>Story {number}</title><link>https://news.example/{number}?utm_source=rss"
        f"</link><guid>story-{number}</guid><pubDate>Mon, 06 May 2024 10:00:00 GMT</pubDate>"
        f"<content:encoded><![CDATA[{html}]]></content:encoded></item>"
    )


def _feed(items: list[str]) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        "<title>Bench</title><link>https://news.example/</link>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def run(total: int) -> tuple[float, int, int]:
    """Seconds spent parsing, cleaning and de-duplicating `total` articles (not generating)."""
    index = NearDuplicateIndex()
    elapsed, found, expected = 0.0, 0, 0
    for content, reprints in make_feeds(total):
        started = time.perf_counter()
        feed = parse_feed(content, url="https://news.example/feed.xml")
        for article in feed.entries:
            if index.find_or_add(article.url or article.title, article.text):
                found += 1
        elapsed += time.perf_counter() - started
        expected += reprints
    return elapsed, found, expected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    sizes = parser.parse_args().sizes
    timings = []
    for total in sizes:
        seconds, found, expected = run(total)
        timings.append(seconds)
        print(
            f"{total:>7} articles: {seconds:7.1f} s  {total / seconds:8.0f} articles/s  "
            f"reprints found {found} of {expected}"
        )
    if len(sizes) > 1:
        ratio = timings[-1] / timings[0]
        linear = sizes[-1] / sizes[0]
        print(f"cost ratio {sizes[-1]}/{sizes[0]}: {ratio:.1f} (linear: {linear:.1f})")


if __name__ == "__main__":
    main()
