"""A newsletter mail read into articles (pure: bytes in, articles out; no database, no network).

One essay is one article. A link list (headlines that link somewhere, each followed by a
blurb: Morning Brew, TLDR, Google Alerts) is one article per item, in HTML or in plain text
(a headline with its address on the same line, on the next one or as a numbered reference).
A confirmation request or a welcome is a sign-up: no articles, its links kept for the admin
to follow by hand. A mail with nothing left once its wrapping is gone is empty, with the
reason.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr

import lxml.html
from lxml import etree

from digest.ingest.clean import clean_article_text
from digest.ingest.files import email_date
from digest.ingest.mailchrome import (
    HEADING_TAGS,
    innermost_blocks,
    is_chrome_link,
    remove_chrome,
    text_of,
    unwrap_known,
)
from digest.ingest.markup import clean_title, html_to_text, normalize_text, sanitize_html
from digest.ingest.types import RawArticle
from digest.ingest.unicode import without_surrogates

ARTICLES, SIGNUP, EMPTY = "articles", "signup", "empty"
MIN_ITEMS = 2  # headline links with a blurb each, for a letter to read as a link list
MIN_BLURB_CHARS = 30
MIN_HEADLINE_CHARS = 15
MAX_SIGNUP_LINKS = 20
WELCOME_MAX_WORDS = 250  # a "welcome" longer than this is an issue that says welcome
_CONFIRM = re.compile(
    r"confirm (?:your )?(?:subscription|e-?mail|address|sign ?-?up)|please confirm|"
    r"verify (?:your )?(?:e-?mail|address|subscription)|activate your (?:subscription|account)|"
    r"double opt-?in|one more step|click (?:the|this) (?:link|button) (?:below )?to confirm",
    re.I,
)
_WELCOME = re.compile(
    r"welcome to|thanks? (?:you )?for (?:subscribing|signing up|joining)|"
    r"you(?:'re|\u2019re| are) (?:now )?(?:subscribed|on the list|in)\b",
    re.I,
)
_READING_TIME = re.compile(r"\s*\(\d+ ?(?:min(?:ute)?s?|m)(?: read)?\)\s*$", re.I)
_SPONSORED = re.compile(r"\((?:sponsor(?:ed)?|ad|partner)\)\s*$", re.I)
_SUBJECT_TAG = re.compile(r"^\s*(?:\[[^\]]{1,60}\]\s*)+")
_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"')\]]+")
_ADDRESS_LINE = re.compile(r"^[<(\[]?https?://[^\s<>\"')\]]+[>)\]]?$")
_REFERENCE_LINE = re.compile(r"^\[(\d{1,3})\]:?\s*(https?://\S+)$")
_REFERENCE_END = re.compile(r"\s*\[(\d{1,3})\]$")
_ENDS_WITH_ADDRESS = re.compile(r"https?://[^\s<>\"')\]]+[>)\]]?$")
_MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\(\s*\)")


@dataclass
class NewsletterMail:
    """What one mail is: articles, a sign-up (with its links) or empty (with the reason)."""

    kind: str  # ARTICLES, SIGNUP or EMPTY
    sender: str  # the newsletter's name: the From display name, else its address
    subject: str
    articles: list[RawArticle] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (text, url) of a sign-up
    reason: str | None = None


@dataclass
class _Body:
    html: str | None
    text: str
    web_version: str | None = None
    root: lxml.html.HtmlElement | None = None
    lines: list[str] | None = None  # a plain-text body's lines, as written


def read_newsletter_mail(raw: bytes) -> NewsletterMail:
    """Read one mail; never raises: a mail that cannot be read is EMPTY with the reason."""
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        sender, subject = _sender(message), clean_title(str(message.get("Subject", "")))
        body = _body(message)
    except Exception as exc:  # any bytes at all arrive here
        return NewsletterMail(EMPTY, "", "", reason=f"unreadable: {type(exc).__name__}: {exc}")
    mail = NewsletterMail(ARTICLES, sender, subject)
    if _is_signup(subject, body.text):
        mail.kind, mail.links = SIGNUP, _links(body)
        return mail
    articles = _link_list(body) or _essay(body, subject)
    if not articles:
        mail.kind, mail.reason = EMPTY, "no text left once the newsletter's wrapping was removed"
        return mail
    date = email_date(message)
    for article in articles:
        article.origin, article.published_at = sender or None, date
    mail.articles = articles
    return mail


def _sender(message: EmailMessage) -> str:
    name, address = parseaddr(str(message.get("From", "")))
    return clean_title(name) or address.strip().lower()


def _body(message: EmailMessage) -> _Body:
    part = message.get_body(preferencelist=("html", "plain"))
    if part is None:
        return _Body(None, "")
    content = without_surrogates(part.get_content())
    if part.get_content_subtype() != "html":
        return _Body(None, normalize_text(content), lines=content.splitlines())
    try:
        root = lxml.html.document_fromstring(content)
    except (etree.ParserError, ValueError):
        return _Body(None, normalize_text(content))
    web_version = remove_chrome(root)
    cleaned = lxml.html.tostring(root, encoding="unicode")
    return _Body(cleaned, html_to_text(cleaned), web_version and unwrap_known(web_version), root)


def _is_signup(subject: str, text: str) -> bool:
    head = f"{subject}\n{text[:600]}"
    if _CONFIRM.search(head):
        return True
    return bool(_WELCOME.search(head)) and len(text.split()) <= WELCOME_MAX_WORDS


def _links(body: _Body) -> list[tuple[str, str]]:
    """A sign-up's links, for the admin to follow by hand: wrapping links left out."""
    if body.root is not None:
        found = [(text_of(a) or a.get("href", ""), a.get("href", "")) for a in body.root.iter("a")]
    else:
        found = [(url, url) for url in _URL_IN_TEXT.findall(body.text)]
    kept = {
        url.strip(): text[:200]
        for text, url in found
        if url.strip().startswith(("http://", "https://")) and not is_chrome_link(text, url)
    }
    return [(text, url) for url, text in list(kept.items())[:MAX_SIGNUP_LINKS]]


_Items = list[tuple[str, str, list[str]]]  # (headline, URL, blurb parts); "" ends an item


def _link_list(body: _Body) -> list[RawArticle]:
    """One article per headline link with its blurb, when the letter is made of them."""
    if body.lines is not None:
        return _articles_of(*_plain_items(body.lines))
    if body.root is None:
        return []
    items: _Items = []
    for block in innermost_blocks(body.root):
        headline = _headline(block)
        if headline is not None:
            items.append((*headline, []))
        elif block.tag in HEADING_TAGS:  # a section's heading ends the item before it
            items.append(("", "", []))
        elif items:
            items[-1][2].append(text_of(block))
    return _articles_of(items, body.text)


def _articles_of(items: _Items, text: str) -> list[RawArticle]:
    """The items with a blurb, sponsors left out, when they make up most of the letter."""
    with_blurbs = [
        (t, u, " ".join(b))
        for t, u, b in items
        if t and not _SPONSORED.search(t) and len(" ".join(b)) >= MIN_BLURB_CHARS
    ]
    covered = sum(len(t) + len(b) for t, _, b in with_blurbs)
    if len(with_blurbs) < MIN_ITEMS or covered < len(text) / 2:
        return []
    return [_item(title, url, blurb) for title, url, blurb in with_blurbs]


def _plain_items(lines: list[str]) -> tuple[_Items, str]:
    """A plain-text letter's items, and its text without chrome lines and addresses.

    A headline is a line of one link (the address after it, in <> or (), or as a Markdown
    link), a line followed by a line holding only its address, or a line ending in a
    reference ("[2]") that a "[2] https://..." line resolves. A chrome line (unsubscribe,
    view online) or a heading (a short line in capitals, or ending in a colon) ends the item
    before it; every other line adds to the item's blurb."""
    clean = [normalize_text(line) for line in lines]
    references = {}
    for line in clean:
        found = _REFERENCE_LINE.match(line)
        if found:
            references[found.group(1)] = found.group(2)
    following, after = [""] * len(clean), ""
    for index in range(len(clean) - 1, -1, -1):  # the next line that is not blank
        following[index], after = after, clean[index] or after
    items: _Items = []
    kept: list[str] = []
    for index, line in enumerate(clean):
        if not line or _REFERENCE_LINE.match(line) or _is_address_line(line):
            continue  # an address line went with the headline above it
        headline = _plain_headline(line, following[index], references)
        if headline is not None:
            items.append((*headline, []))
            kept.append(headline[0])
        elif _ends_item(line):
            items.append(("", "", []))
            kept += [] if _is_chrome_line(line) else [line]
        else:
            kept.append(_URL_IN_TEXT.sub("", line).strip())
            if items:
                items[-1][2].append(kept[-1])
    return items, " ".join(kept)


def _plain_headline(
    line: str, following: str, references: dict[str, str]
) -> tuple[str, str] | None:
    """(headline, URL) when a plain-text line is a story's headline."""
    urls = _URL_IN_TEXT.findall(line)
    if len(urls) > 1:
        return None
    if urls:
        if not _ENDS_WITH_ADDRESS.search(line):
            return None  # an address inside a line of running text
        title, url = _MARKDOWN_LINK.sub(r"\1", _URL_IN_TEXT.sub("", line)), urls[0]
        title = title.strip().rstrip(":-–—").strip()
        title = re.sub(r"\s*(?:<>|\(\)|\[\])\s*$", "", title)
    elif _is_address_line(following):
        title, url = line, _URL_IN_TEXT.findall(following)[0]
    else:
        found = _REFERENCE_END.search(line)
        if not found or found.group(1) not in references:
            return None
        title, url = line[: found.start()], references[found.group(1)]
    return _as_headline(clean_title(title), url)


def _as_headline(title: str, url: str) -> tuple[str, str] | None:
    """The headline a line's text and address make, as an HTML letter's link makes one."""
    title = _READING_TIME.sub("", title)
    if len(title) < MIN_HEADLINE_CHARS or len(title.split()) < 3 or title.endswith("."):
        return None
    if title[0].islower():  # the rest of a sentence wrapped from the line before
        return None
    if is_chrome_link(title, url):
        return None
    if _SPONSORED.search(title):
        return title + " (sponsor)", ""  # an item, so its blurb goes with it
    return title, unwrap_known(url.strip())


def _is_address_line(line: str) -> bool:
    return bool(_ADDRESS_LINE.match(line))


def _is_chrome_line(line: str) -> bool:
    return any(is_chrome_link(line, url) for url in _URL_IN_TEXT.findall(line) or [""])


def _ends_item(line: str) -> bool:
    """A chrome line, or a heading: a short line in capitals, or one ending in a colon."""
    if _is_chrome_line(line):
        return True
    words = line.split()
    letters = [ch for ch in line if ch.isalpha()]
    shouting = bool(letters) and all(ch.isupper() for ch in letters) and len(words) <= 8
    return shouting or (line.endswith(":") and len(words) <= 6)


def _headline(block: lxml.html.HtmlElement) -> tuple[str, str] | None:
    """(headline, URL) when a block is one link, or nearly: a story's title, not a line's word."""
    links = [a for a in block.iter("a") if a.get("href", "").startswith(("http://", "https://"))]
    if len(links) != 1:
        return None
    title = _READING_TIME.sub("", text_of(links[0]))
    whole = _READING_TIME.sub("", text_of(block))
    if len(title) < MIN_HEADLINE_CHARS or len(title.split()) < 3 or len(title) < 0.6 * len(whole):
        return None
    if is_chrome_link(title, links[0].get("href", "")):
        return None
    if _SPONSORED.search(whole):
        return clean_title(title) + " (sponsor)", ""  # an item, so its blurb goes with it
    return clean_title(title), unwrap_known(links[0].get("href", "").strip())


def _item(title: str, url: str, blurb: str) -> RawArticle:
    text, _ = clean_article_text(blurb)
    return RawArticle(title=title, text=text or blurb, url=url, is_teaser=True)


def _essay(body: _Body, subject: str) -> list[RawArticle]:
    text, _ = clean_article_text(body.text)
    title = _SUBJECT_TAG.sub("", subject).strip() or text[:100]
    paragraphs = text.split("\n\n")
    if paragraphs and clean_title(paragraphs[0]).lower() == title.lower():
        text = "\n\n".join(paragraphs[1:])  # the letter repeats its subject as a heading
    if not text.strip():
        return []
    html = sanitize_html(body.html) if body.html else None
    return [RawArticle(title=title, text=text, url=body.web_version, html=html)]


_HEAD_END = re.compile(rb"\r?\n\r?\n")
_MESSAGE_ID = re.compile(rb"^message-id:[ \t]*(.*(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.MULTILINE)


def mail_fingerprint(raw: bytes) -> str:
    """What stays the same when one mail arrives twice: its Message-ID and its body.

    A relay that retries after a lost 250, or a second hop, adds Received lines and may
    restamp the headers; those must not make the same mail count twice (a bounce report, a
    newsletter). Two different mails (a delay, then the failure) differ in both."""
    end = _HEAD_END.search(raw)
    head, body = (raw[: end.start()], raw[end.end() :]) if end else (raw, b"")
    found = _MESSAGE_ID.search(head)
    message_id = b" ".join(found.group(1).split()) if found else b""
    return hashlib.sha256(message_id + b"\0" + body.replace(b"\r\n", b"\n")).hexdigest()
