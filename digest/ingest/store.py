"""Storing articles: one row per canonical URL, updates in place, reprints join their story."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import or_, select

from digest.extensions import db
from digest.ingest.canonical import canonical_url, web_url
from digest.ingest.clean import BoilerplateLearner, strip_learned
from digest.ingest.errors import IngestError, UnexpectedFailure
from digest.ingest.types import RawArticle, Rejection
from digest.ingest.unicode import optional_without_surrogates, without_surrogates
from digest.models import Article, Source, SourceArticle, Story, utcnow

if TYPE_CHECKING:
    from digest.ingest.dedupe import NearDuplicateIndex

DUPLICATE_WINDOW = timedelta(days=14)
_TEXT_FIELDS = ("title", "text", "url", "html", "guid", "author", "origin", "image_url")
log = logging.getLogger(__name__)


@dataclass
class StoreResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)

    def __iadd__(self, other: StoreResult) -> StoreResult:
        self.added += other.added
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.rejected += other.rejected
        return self


def article_key(raw: RawArticle, base: str | None = None) -> str:
    """The unique key of an article: its canonical URL, or a content hash for files without one."""
    if raw.url:
        return canonical_url(raw.url, base)
    digest = hashlib.sha256(f"{raw.title}\n{raw.text}".encode()).hexdigest()[:40]
    return f"urn:digest:{digest}"


def store_articles(source: Source, raws: list[RawArticle]) -> StoreResult:
    """Insert new articles and update changed ones; flushes, the caller commits.

    Each article is stored in a savepoint of its own: one that fails is rejected (its
    index and reason in the result) and the others are kept.
    """
    result = StoreResult()
    index = _recent_index(source)
    raws = strip_source_boilerplate(source, [storable(raw) for raw in raws])
    db.session.flush()  # the source's own change fails the source, not its first article
    for position, raw in enumerate(raws):
        if not raw.title.strip() and not raw.text.strip():
            continue
        try:
            with db.session.begin_nested():
                outcome, new = _store_one(source, raw, index)
        except Exception as exc:  # one article's boundary: its failure is its own
            result.rejected.append(Rejection(position, _rejection_reason(raw, exc)))
            continue
        setattr(result, outcome, getattr(result, outcome) + 1)
        if new is not None:
            _remember(index, new)
    return result


def _store_one(source: Source, raw: RawArticle, index: NearDuplicateIndex):
    """Store one article: ("added" | "updated" | "unchanged", the article when it is new)."""
    key = article_key(raw)
    existing = _find_existing(source, key, raw.guid)
    if existing is None:
        article = _new_article(source, key, raw)
        _join_story(article, index)
        return "added", article
    if link_article(source, existing):  # new to this newsletter: added here too
        _apply_update(existing, raw)
        return "added", None
    return ("updated" if _apply_update(existing, raw) else "unchanged"), None


def _rejection_reason(raw: RawArticle, error: Exception) -> str:
    if not isinstance(error, IngestError):
        log.error("article %r could not be stored", raw.title[:80], exc_info=error)
        error = UnexpectedFailure(error)
    return f"{raw.title[:80] or raw.url or 'an untitled article'}: {error}"


def storable(raw: RawArticle) -> RawArticle:
    """The article with text every database and page accepts: the readers clean what they
    read, and this catches what one of them might miss (see digest.ingest.unicode)."""
    texts = {name: optional_without_surrogates(getattr(raw, name)) for name in _TEXT_FIELDS}
    categories = [without_surrogates(name) for name in raw.categories]
    return dataclasses.replace(raw, categories=categories, **texts)


def strip_source_boilerplate(source: Source, raws: list[RawArticle]) -> list[RawArticle]:
    """Drop the lines this source repeats across its articles (learned and kept per source)."""
    learner = BoilerplateLearner.from_dict(source.boilerplate or {})
    for raw in raws:
        learner.learn(raw.text)
    source.boilerplate = learner.to_dict()
    for raw in raws:
        raw.text = strip_learned(raw.text, learner)
    return raws


def _find_existing(source: Source, key: str, guid: str | None) -> Article | None:
    query = select(Article).where(Article.canonical_url == key)
    if guid:
        query = select(Article).where(
            or_(
                Article.canonical_url == key,
                (Article.guid == guid) & Article.id.in_(_linked_to(source.id)),
            )
        )
    return db.session.scalars(query.limit(1)).first()


def _linked_to(source_id: int):
    return select(SourceArticle.article_id).where(SourceArticle.source_id == source_id)


def _new_article(source: Source, key: str, raw: RawArticle) -> Article:
    article = Article(
        source=source,
        canonical_url=key,
        fetched_at=utcnow(),
    )
    _copy_fields(article, raw)
    db.session.add(article)  # linked to its source on insert (see models.SourceArticle)
    return article


def link_article(source: Source, article: Article) -> bool:
    """Tie a stored article to one more source; True when its newsletter did not have it yet."""
    linked = select(SourceArticle.source_id).where(SourceArticle.article_id == article.id)
    sources = set(db.session.scalars(linked))
    if source.id in sources:
        return False
    db.session.add(SourceArticle(source_id=source.id, article_id=article.id))
    db.session.flush()
    if not sources:
        return True
    of_newsletter = select(Source.id).where(
        Source.id.in_(sources), Source.newsletter_id == source.newsletter_id
    )
    return db.session.scalar(of_newsletter.limit(1)) is None


def _copy_fields(article: Article, raw: RawArticle) -> None:
    article.guid = raw.guid
    article.title = raw.title[:500]
    article.text = raw.text
    article.html = raw.html
    article.author = raw.author[:300] if raw.author else None
    article.origin = raw.origin
    article.categories = list(raw.categories)
    article.image_url = web_url(raw.image_url)  # an enclosure URL with a space is encoded
    article.is_teaser = raw.is_teaser
    article.published_at = raw.published_at
    article.updated_at = raw.updated_at


def _apply_update(article: Article, raw: RawArticle) -> bool:
    """Refresh an article whose feed entry changed; True when something changed. A teaser
    (a feed's summary, a newsletter's blurb) never replaces a whole text."""
    if raw.is_teaser and not article.is_teaser:
        return False
    fresh = (raw.title, raw.text, web_url(raw.image_url))
    if (article.title, article.text, article.image_url) == fresh:
        return False
    _copy_fields(article, raw)
    return True


def _recent_index(source: Source) -> NearDuplicateIndex:
    """Near-duplicate index over recent articles of the same newsletter's sources."""
    # datasketch loads SciPy: imported when articles are stored, not by every web worker.
    from digest.ingest.dedupe import NearDuplicateIndex

    index = NearDuplicateIndex()
    since = utcnow() - DUPLICATE_WINDOW
    rows = db.session.execute(
        select(Article.id, Article.minhash, Article.story_id)
        .join(SourceArticle, SourceArticle.article_id == Article.id)
        .join(Source, Source.id == SourceArticle.source_id)
        .where(Source.newsletter_id == source.newsletter_id, SourceArticle.linked_at >= since)
        .distinct()
    )
    index.stories = {}  # article id -> story id
    for article_id, sketch, story_id in rows:
        if sketch:
            index.add_signature(article_id, sketch)
            index.stories[article_id] = story_id
    return index


def _join_story(article: Article, index: NearDuplicateIndex) -> None:
    """A reprint joins its original's story; a new text starts a story of its own."""
    from digest.ingest.dedupe import signature

    article.minhash = signature(article.text or article.title)
    db.session.flush()
    found = index.find_signature(article.minhash)
    story_id = next((index.stories[key] for key in found if index.stories.get(key)), None)
    if story_id is None:
        story = Story(title=article.title)
        db.session.add(story)
        db.session.flush()
        story_id = story.id
    article.story_id = story_id
    db.session.flush()


def _remember(index: NearDuplicateIndex, article: Article) -> None:
    """A stored article's text joins the index, so its reprints later in the batch find it."""
    index.add_signature(article.id, article.minhash)
    index.stories[article.id] = article.story_id
