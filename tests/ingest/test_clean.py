"""Cleaning scraped text: title once, article paragraphs only, origin kept, trailer gone."""

from __future__ import annotations

import pytest
from ingest_support import SAMPLES

from digest.ingest import parse_text_article
from digest.ingest.clean import (
    BoilerplateLearner,
    clean_title,
    html_to_text,
    normalize_text,
    sanitize_html,
    strip_learned,
)

SEED_TRAILER_WORDS = ("first appeared", "sponsored", "Design & Developed", "Related Posts",
                      "most trusted source", "Crime Today News")  # fmt: skip


def test_seed_parses_to_title_nine_paragraphs_and_origin(seed_text: str) -> None:
    article = parse_text_article(seed_text)
    assert article.title.startswith("Putin Visits Kursk")
    assert article.title.count("Putin") == 1
    paragraphs = article.text.split("\n\n")
    assert len(paragraphs) == 9
    assert paragraphs[0].startswith("President Vladimir V. Putin")
    assert paragraphs[-1].endswith("$800 a month.")
    assert article.origin == "New York Times"


def test_seed_keeps_no_trailer_line(seed_text: str) -> None:
    text = parse_text_article(seed_text).text
    for words in SEED_TRAILER_WORDS:
        assert words not in text


def test_seed_paragraphs_are_the_page_paragraphs_verbatim(seed_text: str) -> None:
    blocks = [b.strip() for b in seed_text.split("\n\n") if b.strip()]
    assert parse_text_article(seed_text).text.split("\n\n") == blocks[2:11]


def test_reprint_sample_drops_its_invented_trailer() -> None:
    article = parse_text_article((SAMPLES / "reprint.txt").read_text(encoding="utf-8"))
    assert article.title == "Glacier Railway Reopens After Six-Month Repair of Avalanche Damage"
    assert article.origin == "Alpine Daily Ledger"
    paragraphs = article.text.split("\n\n")
    assert len(paragraphs) == 5
    assert "Valley Voice" not in article.text
    assert "Nimbus" not in article.text and "Related Posts" not in article.text


def test_sponsored_inside_an_article_paragraph_is_kept() -> None:
    article = parse_text_article((SAMPLES / "reprint.txt").read_text(encoding="utf-8"))
    assert "sponsored by a local bank when it was founded in 1911" in article.text


def test_short_sentence_starting_with_sponsored_by_is_kept() -> None:
    raw = "Town fair\n\nSponsored by the city council, the fair drew 3,000 people.\n\nIt rained."
    assert "Sponsored by the city council" in parse_text_article(raw).text


def test_origin_phrasings_are_recognised() -> None:
    cases = {
        "Originally published by Reuters.": "Reuters",
        "Source: Associated Press": "Associated Press",
        "This story was originally published in The Guardian on March 3, 2024.": "The Guardian",
        "This article is republished from The Conversation under a Creative Commons license. "
        "Read the original article.": "The Conversation",
    }
    for line, origin in cases.items():
        raw = f"A title\n\nFirst paragraph of the story.\n\nSecond paragraph.\n\n{line}"
        article = parse_text_article(raw)
        assert article.origin == origin, line
        assert article.text == "First paragraph of the story.\n\nSecond paragraph."


def test_shape_boilerplate_is_dropped_anywhere() -> None:
    raw = (
        "Title\n\nShare this:\n\nThe real first paragraph.\n\nAdvertisement\n\n"
        "The real second paragraph.\n\nRead more\n\n© 2024 Example Media. All rights reserved."
    )
    assert parse_text_article(raw).text == "The real first paragraph.\n\nThe real second paragraph."


def test_text_with_one_paragraph_per_line_is_split_on_lines() -> None:
    article = parse_text_article("The title\nOne paragraph here.\nAnother paragraph here.")
    assert article.title == "The title"
    assert article.text == "One paragraph here.\n\nAnother paragraph here."


def test_normalize_text_keeps_smart_quotes_and_paragraphs() -> None:
    raw = "\u201cQuoted\u201d\u00a0text   with\nline break\r\n\r\n\r\nNext\u200b para\u00ad."
    assert normalize_text(raw) == "\u201cQuoted\u201d text with line break\n\nNext para."


def test_clean_title_strips_tags_and_double_escaped_entities() -> None:
    assert clean_title("  Council <b>approves</b> &amp;amp; &quot;votes&quot;\n ") == (
        'Council approves & "votes"'
    )


def test_sanitize_html_removes_scripts_and_handlers_and_adds_rel() -> None:
    dirty = (
        '<p onclick="x()">Hi <a href="https://e.example/">link</a>'
        '<a href="javascript:alert(1)">bad</a></p><script>alert(1)</script>'
        '<iframe src="https://evil.example/"></iframe>'
    )
    clean = sanitize_html(dirty)
    assert "onclick" not in clean and "script" not in clean and "iframe" not in clean
    assert "javascript:" not in clean
    assert 'rel="noopener noreferrer nofollow"' in clean


def test_html_to_text_makes_paragraphs_of_blocks() -> None:
    html = "<div><h2>Head</h2><p>One <b>bold</b> word.</p><ul><li>a</li><li>b</li></ul>x<br><br>y"
    html += "<script>var hidden = 1;</script></div>"
    assert html_to_text(html) == "Head\n\nOne bold word.\n\na\n\nb\n\nx\n\ny"


def test_learner_strips_lines_a_source_repeats_in_three_articles() -> None:
    learner = BoilerplateLearner(min_articles=3)
    footer = "Get the Morning Brief from the Valley Voice every weekday at 6 a.m."
    for number in range(3):
        learner.learn(f"Story number {number} is about something.\n\n{footer}")
    text = strip_learned(f"A new story.\n\n{footer}", learner)
    assert text == "A new story."


def test_learner_counts_the_same_article_once() -> None:
    learner = BoilerplateLearner(min_articles=3)
    for _ in range(5):
        learner.learn("Same article.\n\nSame closing line.")
    assert not learner.is_learned("Same closing line.")


def test_learner_survives_a_round_trip_through_a_dict() -> None:
    learner = BoilerplateLearner(min_articles=2)
    learner.learn("A.\n\nFooter line.")
    learner.learn("B.\n\nFooter line.")
    restored = BoilerplateLearner.from_dict(learner.to_dict())
    assert restored.is_learned("Footer line.")


def test_article_sentences_that_start_like_furniture_are_kept() -> None:
    body = [
        "Share prices fell 5% on Monday.",
        "Developed by researchers at the university, the vaccine is cheap to make.",
        "Copyright law changes next year, the minister said.",
        "Read more slowly, the teacher told the class.",
    ]
    article = parse_text_article("A title\n\n" + "\n\n".join(body))
    assert article.text.split("\n\n") == body


BODY = "First paragraph of the story.\n\nSecond paragraph of it."
ATTRIBUTION_SHAPES = {
    "This article first appeared on Crime Today News.": "Crime Today News",
    "This story was originally published by BBC News": "BBC News",
    "Originally published at The Conversation.": "The Conversation",
    "Originally published in Le Monde on 3 May 2024.": "Le Monde",
    "This article first appeared in The Atlantic.": "The Atlantic",
    "This story originally appeared on Vox.": "Vox",
    "This post was first published on Medium.": "Medium",
    "The original version of this story appeared in Quanta Magazine.": "Quanta Magazine",
    "A version of this article appeared in The Financial Times.": "The Financial Times",
    "Reprinted with permission from Mother Jones.": "Mother Jones",
    "Republished with permission from Grist.": "Grist",
    "Syndicated from Kaiser Health News.": "Kaiser Health News",
    "Cross-posted from Daily Kos.": "Daily Kos",
    "Used with permission of Inside Climate News.": "Inside Climate News",
    "Source: Associated Press": "Associated Press",
    "Via: TechCrunch": "TechCrunch",
    "Courtesy of NPR.": "NPR",
    "Article courtesy of Undark.": "Undark",
    "Read the original article on Business Insider.": "Business Insider",
    "This story was produced by ProPublica and is republished with permission.": "ProPublica",
    "Distributed by Tribune Content Agency.": "Tribune Content Agency",
    "Copyright 2024 The Economist. Reprinted with permission.": "The Economist",
    "\u2014 The Associated Press": "The Associated Press",
    "-- Reuters": "Reuters",
}
DATELINES = {
    "LONDON (Reuters) - Shares fell on Monday.": "Reuters",
    "WASHINGTON (AP) \u2014 The Senate voted.": "Associated Press",
    "(CNN)They may not be aliens.": "CNN",
    "New Delhi, India (CNN)As the earth shook.": "CNN",
    "PARIS, June 3 (AFP) - Talks resumed.": "AFP",
}


@pytest.mark.parametrize("line", sorted(ATTRIBUTION_SHAPES))
def test_an_attribution_line_gives_the_origin_and_leaves_the_text(line: str) -> None:
    article = parse_text_article(f"A title\n\n{BODY}\n\n{line}")
    assert (article.origin, article.text) == (ATTRIBUTION_SHAPES[line], BODY)


@pytest.mark.parametrize("line", sorted(ATTRIBUTION_SHAPES))
def test_an_attribution_closing_the_last_paragraph_is_cut_from_it(line: str) -> None:
    if line[0] in "-\u2014":
        pytest.skip("a sign-off stands on its own line")
    article = parse_text_article(f"A title\n\n{BODY} {line}")
    assert (article.origin, article.text) == (ATTRIBUTION_SHAPES[line], BODY)


@pytest.mark.parametrize("opening", sorted(DATELINES))
def test_a_wire_dateline_names_the_wire_and_leaves_the_first_sentence(opening: str) -> None:
    article = parse_text_article(f"A title\n\n{opening}\n\nMore text here.")
    assert article.origin == DATELINES[opening]
    assert "(" not in article.text.split("\n\n")[0]
    assert article.text.endswith("More text here.")


@pytest.mark.parametrize(
    "sentence",
    [
        "The report was first published in 2019.",
        "The study was published by the Institute for Fiscal Studies.",
        "This story was reported by local media.",
        "Sources said the deal was close.",
    ],
)
def test_article_sentences_about_publishing_are_not_attributions(sentence: str) -> None:
    article = parse_text_article(f"A title\n\n{BODY} {sentence}")
    assert article.origin is None
    assert article.text.endswith(sentence)


BODY = (
    "The flood barrier was raised twice this week as the river rose to its highest level "
    "in a decade.\n\nEngineers said the barrier worked as designed."
)
TRAILER = "This story was originally published by BBC News\nSponsored: Try our app\nShare this:"


def test_an_attribution_line_followed_by_trailer_lines_keeps_its_origin() -> None:
    article = parse_text_article(f"Flood barrier raised twice\n\n{BODY}\n\n{TRAILER}")
    assert article.origin == "BBC News"
    assert article.text == BODY


def test_an_attribution_line_in_the_last_paragraph_of_a_pushed_text_or_feed_keeps_its_origin():
    from digest.ingest.clean import clean_article_text
    from digest.ingest.feeds import parse_feed

    assert clean_article_text(f"{BODY}\n{TRAILER}") == (BODY, "BBC News")
    html = (
        "".join(f"<p>{p}</p>" for p in BODY.split("\n\n"))
        + f"<p>{TRAILER.replace(chr(10), '<br>')}</p>"
    )
    feed = (
        '<rss version="2.0"><channel><title>Wire</title><item><title>Flood</title>'
        f"<link>http://e.org/flood</link><description><![CDATA[{html}]]></description></item>"
        "</channel></rss>"
    )
    [entry] = parse_feed(feed.encode()).entries
    assert (entry.text, entry.origin) == (BODY, "BBC News")


def test_lines_without_an_attribution_stay_one_paragraph() -> None:
    article = parse_text_article(f"Flood barrier\n\n{BODY}\nIt will be tested again in May.")
    assert article.text.endswith("as designed. It will be tested again in May.")
    assert article.origin is None
