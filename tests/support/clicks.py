"""Tracked story links in sent mail, read back to the story each one leads to."""

from __future__ import annotations

import re

from digest.deliver.clicks import story_url
from digest.extensions import db
from digest.links import read_click_token
from digest.models import Edition
from digest.settings import LinkSettings

TRACKED = re.compile(r"(https?://[^/\s\"<>]+)/c/([A-Za-z0-9._-]+)")


def untracked(body: str, links: LinkSettings) -> str:
    """`body` with each tracked link replaced by the story's own URL, as previews show it."""

    def story(match: re.Match) -> str:
        link = read_click_token(links, match.group(2))
        assert link is not None, f"a tracked link that does not verify: {match.group(0)}"
        url = story_url(db.session.get(Edition, link.edition_id), link.section, link.story)
        assert url is not None
        return url.replace("&", "&amp;") if "&amp;" in body else url

    return TRACKED.sub(story, body)
