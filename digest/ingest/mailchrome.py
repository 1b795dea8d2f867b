"""What newsletters wrap around their content, recognised and removed: "view in browser",
unsubscribe and preference links, postal footers, sponsor blocks, social buttons and
tracking pixels; and the tracking redirects their links go through (pure: no network).

A redirect that names its target (Google's `url?q=`, Substack's `redirect/2/<payload>`) is
read here; one that does not (`click.*`, `links.*`, `mailchi.mp`, list-manage, SendGrid)
is only recognised here, and followed by digest.ingest.inbox through the feed fetcher.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from urllib.parse import SplitResult, parse_qs, urlsplit

from lxml import html as lxml_html

BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "center", "dd", "div", "dl", "dt", "figure",
    "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "li", "main", "nav", "ol", "p", "pre",
    "section", "table", "tbody", "td", "th", "thead", "tr", "ul",
})  # fmt: skip
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4"})
CHROME_MAX_CHARS = 400  # a block longer than this is content, whatever words it holds
SPONSOR_BLOCK_MAX_CHARS = 2500

_WEB_VERSION = re.compile(
    r"view (?:this |the )?(?:e-?mail|newsletter|post|issue)? ?(?:in|on) (?:your |a |the )?"
    r"(?:browser|web)|view (?:it )?online|read (?:it |this )?(?:online|on the web)|"
    r"open in (?:browser|app)|having trouble (?:viewing|reading)",
    re.I,
)
_CHROME = re.compile(
    r"unsubscribe|manage (?:your )?(?:preferences|subscriptions?|email)|update (?:your )?"
    r"(?:preferences|profile|subscription)|e-?mail preferences|opt[- ]out|"
    r"forward(?:ed)? (?:this |it )?(?:e-?mail )?to a friend|you(?:'re|\u2019re| are) receiving|"
    r"you received this|this e-?mail was sent to|why did i get this|add us to your address book|"
    r"all rights reserved|\u00a9|copyright \d{4}|"
    r"flag as irrelevant|see more results|edit this alert|receive this alert as rss|"
    r"subscribed to google alerts|send feedback|follow us (?:on|at)|"
    r"share on (?:twitter|facebook|x)|like us on facebook|referral|refer a friend|"
    r"tell your friends|share (?:the|this) \w+ with",
    re.I,
)
_POSTAL = re.compile(
    r"\b\d{1,5} [A-Z][\w.]*(?: [A-Z][\w.]*){0,4} (?:St|Street|Ave|Avenue|Rd|Road|Blvd|Boulevard|"
    r"Lane|Ln|Way|Drive|Dr|Place|Pl|Square|Sq)\b.{0,80}\b(?:[A-Z]{2} \d{5}(?:-\d{4})?|"
    r"\d{4,5}|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})\b",
)
_SPONSOR = re.compile(
    r"^\W*(?:sponsored(?: by)?|sponsor(?:ed)? content|(?:today's |our )?sponsors?|together with|"
    r"presented by|brought to you by|a (?:word|message) from (?:our sponsor|\w+)|"
    r"advertisement|partner(?:ed)? content|in partnership with|paid post)\b",
    re.I,
)
SOCIAL_HOSTS = frozenset({
    "twitter.com", "x.com", "facebook.com", "linkedin.com", "instagram.com", "youtube.com",
    "tiktok.com", "threads.net", "bsky.app", "pinterest.com", "mastodon.social", "t.me",
})  # fmt: skip
SOCIAL_WORDS = frozenset({
    "twitter", "x", "facebook", "linkedin", "instagram", "youtube", "tiktok", "threads",
    "bluesky", "pinterest", "mastodon", "share", "tweet", "follow", "like", "us", "on",
})  # fmt: skip
_TRACKER_LABELS = frozenset({"click", "clicks", "link", "links", "track", "trk", "go", "email"})
_TRACKER_SUFFIXES = (
    "mailchi.mp", "list-manage.com", "sendgrid.net", "mandrillapp.com", "hubspotlinks.com",
    "beehiiv.com", "convertkit-mail.com", "convertkit-mail2.com", "createsend1.com",
    "cmail19.com", "cmail20.com", "mailgun.org", "rs6.net", "t.co", "lnkd.in",
)  # fmt: skip
_TRACKER_PATHS = re.compile(r"^/(?:track/click|ls/click|ss/c/|wf/click|redirect/|click/|c/\d)")
_PIXEL_MAX = 3  # an image this small (or smaller) is there to count opens


def text_of(element: lxml_html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def innermost_blocks(root: lxml_html.HtmlElement) -> list[lxml_html.HtmlElement]:
    """Block elements holding no other block, in document order: the units of a letter."""
    return [
        el
        for el in root.iter()
        if isinstance(el.tag, str)
        and el.tag in BLOCK_TAGS
        and not any(isinstance(d.tag, str) and d.tag in BLOCK_TAGS for d in el.iterdescendants())
    ]


def remove_chrome(root: lxml_html.HtmlElement) -> str | None:
    """Strip the wrapping from a parsed letter in place; the "view in browser" URL, if any."""
    _drop_hidden(root)
    web_version = _take_web_version(root)
    _drop_sponsor_blocks(root)
    _drop_social_links(root)
    for block in innermost_blocks(root):
        text = text_of(block)
        if len(text) <= CHROME_MAX_CHARS and (_CHROME.search(text) or _POSTAL.search(text)):
            block.drop_tree()
    return web_version


def _drop_hidden(root: lxml_html.HtmlElement) -> None:
    for el in list(root.iter("script", "style", "head", "title", "noscript", "template")):
        el.drop_tree()
    for el in list(root.iter()):
        style = (el.get("style") or "").replace(" ", "").lower() if isinstance(el.tag, str) else ""
        if "display:none" in style or "mso-hide:all" in style:
            el.drop_tree()
    for img in list(root.iter("img")):
        if _is_pixel(img):
            img.drop_tree()


def _is_pixel(img: lxml_html.HtmlElement) -> bool:
    sizes = [img.get("width"), img.get("height")]
    small = [s for s in sizes if s and s.strip().rstrip("px").isdigit()]
    return any(int(s.strip().rstrip("px")) <= _PIXEL_MAX for s in small)


def _take_web_version(root: lxml_html.HtmlElement) -> str | None:
    found = None
    for link in list(root.iter("a")):
        if _WEB_VERSION.search(text_of(link)) and link.get("href", "").startswith("http"):
            found = found or link.get("href")
            _drop_enclosing_block(link)
    return found


def _drop_enclosing_block(el: lxml_html.HtmlElement) -> None:
    """The element's block, when that block is short (a line of chrome), else the element."""
    block = el
    while block.getparent() is not None and block.tag not in BLOCK_TAGS:
        block = block.getparent()
    is_short = block.tag in BLOCK_TAGS and len(text_of(block)) <= CHROME_MAX_CHARS
    (block if is_short and block.getparent() is not None else el).drop_tree()


def _drop_sponsor_blocks(root: lxml_html.HtmlElement) -> None:
    """A block labelled "Sponsored", "Together with ...": the label's whole container goes,
    or the label and what follows it up to the next heading when the label stands alone."""
    for label in innermost_blocks(root):
        text = text_of(label)
        if len(text) > 80 or not _SPONSOR.search(text) or label.getparent() is None:
            continue
        container = _sponsor_container(label)
        if text_of(container) == text:
            _drop_following_until_heading(container)
        if container.getparent() is not None:
            container.drop_tree()


def _sponsor_container(label: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
    container = label
    while True:
        parent = container.getparent()
        if parent is None or parent.tag in ("body", "html") or parent.getparent() is None:
            return container
        blocks = innermost_blocks(parent)
        if not blocks or blocks[0] is not label or len(text_of(parent)) > SPONSOR_BLOCK_MAX_CHARS:
            return container
        container = parent


def _drop_following_until_heading(label: lxml_html.HtmlElement) -> None:
    for sibling in list(label.itersiblings()):
        if not isinstance(sibling.tag, str):
            continue
        if (
            sibling.tag in HEADING_TAGS
            or sibling.tag == "hr"
            or next(sibling.iter(*HEADING_TAGS), None) is not None
        ):
            return
        sibling.drop_tree()


def _drop_social_links(root: lxml_html.HtmlElement) -> None:
    for link in list(root.iter("a")):
        host = _host(link.get("href", ""))
        words = set(text_of(link).lower().split())
        is_social_host = host.removeprefix("www.") in SOCIAL_HOSTS
        if is_social_host and (not words or words <= SOCIAL_WORDS):
            _drop_enclosing_block(link)


def _host(url: str) -> str:
    parts = _split(url)
    return (parts.hostname or "").lower() if parts else ""


def _split(url: str) -> SplitResult | None:
    try:
        return urlsplit(url.strip())
    except ValueError:  # a bracket left open, a port that is not a number
        return None


def unwrap_known(url: str) -> str:
    """The target a redirect names in itself (Google Alerts, Substack), else the URL as given."""
    parts = _split(url)
    if parts is None:
        return url
    host = (parts.hostname or "").lower()
    if (host == "google.com" or host.startswith("www.google.")) and parts.path == "/url":
        query = parse_qs(parts.query)
        target = (query.get("url") or query.get("q") or [""])[0]
        return target if target.startswith(("http://", "https://")) else url
    if host.endswith("substack.com") and parts.path.startswith("/redirect/"):
        return _substack_target(parts.path) or url
    return url


def _substack_target(path: str) -> str | None:
    """Substack's `/redirect/2/<base64 JSON with the target in "e">`, when it says one."""
    payload = path.rstrip("/").rpartition("/")[2].partition(".")[0]
    try:
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (binascii.Error, ValueError):
        return None
    target = data.get("e") if isinstance(data, dict) else None
    return target if isinstance(target, str) and target.startswith("http") else None


def is_tracking_redirect(url: str) -> bool:
    """A link that only bounces the reader on to the real page, counting the click."""
    parts = _split(url)
    host = (parts.hostname or "").lower() if parts else ""
    if not parts or not host or parts.scheme not in ("http", "https"):
        return False
    if host.split(".", 1)[0] in _TRACKER_LABELS and host.count(".") >= 2:
        return True
    if any(host == s or host.endswith("." + s) for s in _TRACKER_SUFFIXES):
        return True
    is_substack = host.endswith("substack.com") and parts.path.startswith("/redirect/")
    return is_substack or bool(_TRACKER_PATHS.match(parts.path))


def is_chrome_link(text: str, url: str) -> bool:
    """An unsubscribe, preference, "view in browser" or social link, never a story."""
    if _CHROME.search(text) or _WEB_VERSION.search(text):
        return True
    lowered = url.lower()
    return "unsubscribe" in lowered or "/preferences" in lowered or "optout" in lowered
