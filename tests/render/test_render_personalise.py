import pytest
from render_samples import make_snapshot

from digest.render import (
    Recipient,
    RecipientFieldTooLong,
    RecipientURLInvalid,
    clean_header_text,
    compile_edition,
    parse_snapshot,
    personalise,
)


@pytest.fixture(scope="module")
def compiled():
    return compile_edition(parse_snapshot(make_snapshot(story_count=6, section_count=3)))


def recipient(number: int = 1, **changes) -> Recipient:
    fields = {
        "email": f"reader{number}@example.com",
        "name": f"Reader {number}",
        "unsubscribe_url": f"https://digest.example.org/unsubscribe/tok{number}",
        "preferences_url": f"https://digest.example.org/preferences/tok{number}",
    }
    return Recipient(**(fields | changes))


def test_script_and_quotes_in_a_name_are_escaped_in_html(compiled):
    message = personalise(compiled, recipient(name='<script>alert("x")</script> O\'Neil'))

    assert "<script>" not in message.html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; O&#x27;Neil" in message.html
    assert '<script>alert("x")</script> O\'Neil' in message.text


def test_two_recipients_get_their_own_unsubscribe_links(compiled):
    first = personalise(compiled, recipient(1))
    second = personalise(compiled, recipient(2))

    assert 'href="https://digest.example.org/unsubscribe/tok1"' in first.html
    assert 'href="https://digest.example.org/unsubscribe/tok2"' in second.html
    assert "tok2" not in first.html and "tok1" not in second.html
    assert "Unsubscribe: https://digest.example.org/unsubscribe/tok2" in second.text


def test_text_part_has_titles_summaries_links_sources_and_unsubscribe(compiled):
    text = personalise(compiled, recipient()).text
    story = make_snapshot(story_count=1, section_count=1)["sections"][0]["stories"][0]

    assert story["title"].split(" after")[0] in text
    assert "Officials presented the world plan on Tuesday" in text
    assert story["url"] in text
    assert "Reuters" in text
    assert "https://digest.example.org/unsubscribe/tok1" in text
    assert "<" not in text


def test_ampersands_in_links_are_escaped_in_attributes(compiled):
    url = "https://digest.example.org/unsubscribe?t=1&list=2"

    message = personalise(compiled, recipient(unsubscribe_url=url))

    assert 'href="https://digest.example.org/unsubscribe?t=1&amp;list=2"' in message.html
    assert f"Unsubscribe: {url}" in message.text


def test_view_in_browser_defaults_to_the_archive(compiled):
    message = personalise(compiled, recipient())

    assert 'href="https://digest.example.org/archive/morning/42"' in message.html
    assert "View in your browser: https://digest.example.org/archive/morning/42" in message.text


def test_missing_name_gets_a_friendly_greeting(compiled):
    message = personalise(compiled, recipient(name=None))

    assert "Hi there," in message.html and "Hi there," in message.text


def test_no_placeholder_survives_personalisation(compiled):
    message = personalise(compiled, recipient())

    assert compiled.placeholders.prefix not in message.html
    assert compiled.placeholders.prefix not in message.text


def test_script_urls_are_refused(compiled):
    with pytest.raises(RecipientURLInvalid):
        personalise(compiled, recipient(unsubscribe_url="javascript:alert(1)"))


def test_overlong_url_is_refused_and_overlong_name_is_shortened(compiled):
    with pytest.raises(RecipientFieldTooLong):
        personalise(compiled, recipient(preferences_url="https://x.org/" + "a" * 2000))

    message = personalise(compiled, recipient(name="N" * 1000))

    assert "N" * 60 + "…" in message.html
    assert "N" * 1000 not in message.html


def test_subject_header_injection_is_cleaned():
    snapshot = make_snapshot(story_count=1, section_count=1)
    snapshot["edition"]["subject"] = "Morning news\r\nBcc: x@evil.example"

    compiled = compile_edition(parse_snapshot(snapshot))
    message = personalise(compiled, recipient())

    assert message.subject == "Morning news Bcc: x@evil.example"
    assert "\n" not in message.subject and "\r" not in message.subject


def test_clean_header_text_drops_control_characters():
    assert clean_header_text("a\tb\x00c\u2028d\x85e  f\n") == "a b c d e f"


def test_personalise_never_runs_mjml(compiled, monkeypatch):
    import mjml

    def refuse(*args, **kwargs):
        raise AssertionError("personalise must not compile MJML")

    monkeypatch.setattr(mjml, "mjml2html", refuse)

    assert "Reader 7" in personalise(compiled, recipient(7)).html
