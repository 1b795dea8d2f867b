"""The database: typed SQLAlchemy 2.x models and the invariants of DESIGN.md as constraints."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
    false,
    insert,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from digest.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class SourceKind(enum.StrEnum):
    FEED = "feed"
    PAGE = "page"
    FOLDER = "folder"
    IMPORT = "import"
    MAIL = "mail"  # newsletters mailed to the source's signed inbound address


class SubscriptionStatus(enum.StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    UNSUBSCRIBED = "unsubscribed"


class SubscriberStatus(enum.StrEnum):
    OK = "ok"
    BOUNCED = "bounced"
    COMPLAINED = "complained"


class EditionStatus(enum.StrEnum):
    """Changed only through digest.edition.lifecycle."""

    DRAFT = "draft"
    APPROVED = "approved"
    SENDING = "sending"
    PAUSED = "paused"
    SENT = "sent"
    CANCELLED = "cancelled"


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


class EventKind(enum.StrEnum):
    """What came back about a delivery (digest.deliver.inbound reads it from the mail)."""

    HARD_BOUNCE = "hard_bounce"
    SOFT_BOUNCE = "soft_bounce"
    DELAYED = "delayed"
    COMPLAINT = "complaint"
    UNSUBSCRIBE = "unsubscribe"
    AUTO_REPLY = "auto_reply"
    UNKNOWN = "unknown"


class Newsletter(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    from_email: Mapped[str] = mapped_column(String(254))
    from_name: Mapped[str | None] = mapped_column(String(200))  # the title when empty
    schedule_cron: Mapped[str | None] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    is_paused: Mapped[bool] = mapped_column(default=False)
    intro: Mapped[str | None] = mapped_column(Text)
    # The editor's sections: {"Sport": ["football", "tennis"], ...}, matched before learned ones.
    sections: Mapped[dict | None] = mapped_column(JSON)
    # Summary length, the editor's choice: 1-3 sentences, and a word budget (None: no budget).
    summary_sentences: Mapped[int] = mapped_column(default=2, server_default="2")
    summary_words: Mapped[int | None] = mapped_column(default=55)
    # What the admin sets in the browser; each field is read by the step it names.
    description: Mapped[str | None] = mapped_column(Text)
    reply_to: Mapped[str | None] = mapped_column(String(254))
    postal_address: Mapped[str | None] = mapped_column(
        Text
    )  # footer; DIGEST_POSTAL_ADDRESS if empty
    lookback_days: Mapped[int] = mapped_column(default=7, server_default="7")
    min_stories: Mapped[int] = mapped_column(default=1, server_default="1")  # skip the slot below
    max_stories: Mapped[int] = mapped_column(default=30, server_default="30")
    # Stories within a section by how often readers clicked their source and section lately
    # (digest/group/learned.py); the editor's pins and moves still come first.
    orders_by_clicks: Mapped[bool] = mapped_column(default=False, server_default=false())
    send_mode: Mapped[str] = mapped_column(String(10), default="auto", server_default="auto")
    review_minutes: Mapped[int] = mapped_column(default=120, server_default="120")
    show_images: Mapped[bool] = mapped_column(default=True, server_default=true())
    topic_choices: Mapped[list | None] = mapped_column(JSON)  # None: every section is a topic
    offers_weekly: Mapped[bool] = mapped_column(default=False, server_default=false())
    weekly_cron: Mapped[str | None] = mapped_column(String(120))
    is_archived: Mapped[bool] = mapped_column(default=False, server_default=false())
    # A sending edition pauses when its first 1,000 rows bounce or complain above these.
    pause_bounce_rate: Mapped[float] = mapped_column(default=0.05, server_default="0.05")
    pause_complaint_rate: Mapped[float] = mapped_column(default=0.003, server_default="0.003")
    # Story links in mail go through /c/<token> to be counted (digest/deliver/clicks.py).
    tracks_clicks: Mapped[bool] = mapped_column(default=True, server_default=true())
    click_window_days: Mapped[int] = mapped_column(default=30, server_default="30")
    # Per-reader statistics: clicks (and opens) name the reader's delivery row; off by default,
    # told to readers in the footer and on their preferences page while on.
    tracks_readers: Mapped[bool] = mapped_column(default=False, server_default=false())
    # A 1x1 image in the HTML part counts opens, inflated by machines that load every image.
    tracks_opens: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sources: Mapped[list[Source]] = relationship(back_populates="newsletter")


class Source(db.Model):
    __table_args__ = (UniqueConstraint("newsletter_id", "location"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    newsletter_id: Mapped[int] = mapped_column(ForeignKey("newsletter.id", ondelete="CASCADE"))
    kind: Mapped[SourceKind] = mapped_column(_enum(SourceKind))
    location: Mapped[str] = mapped_column(String(2000))
    name: Mapped[str] = mapped_column(String(200))
    weight: Mapped[float] = mapped_column(default=1.0)
    is_active: Mapped[bool] = mapped_column(default=True)
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    failure_count: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    boilerplate: Mapped[dict | None] = mapped_column(JSON)  # the source's learned trailer lines
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    newsletter: Mapped[Newsletter] = relationship(back_populates="sources")


class HubState(enum.StrEnum):
    """Where a WebSub subscription stands (digest/ingest/hubs.py moves it)."""

    PENDING = "pending"  # the feed announced a hub: ask it to subscribe us
    REQUESTED = "requested"  # asked; the hub has not verified our intent yet
    ACTIVE = "active"  # verified: the hub pushes until expires_at
    DENIED = "denied"  # the hub refused; asked again later
    UNSUBSCRIBING = "unsubscribing"  # the source is gone: ask the hub to stop


class HubSubscription(db.Model):  # type: ignore[name-defined]  # as every model (mypy-baseline)
    """A feed's WebSub hub and our subscription to it; the source polls on regardless."""

    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL once the source is removed, while the hub is asked to unsubscribe
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("source.id", ondelete="SET NULL"), unique=True
    )
    hub_url: Mapped[str] = mapped_column(String(2000))
    topic_url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(200))
    state: Mapped[HubState] = mapped_column(_enum(HubState), default=HubState.PENDING)
    asked_mode: Mapped[str | None] = mapped_column(String(20))  # our request awaiting verification
    lease_seconds: Mapped[int | None]
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(default=0)  # failed requests in a row
    last_push_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    push_count: Mapped[int] = mapped_column(default=0)
    refused_count: Mapped[int] = mapped_column(default=0)  # deliveries not ingested
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MailStatus(enum.StrEnum):
    PENDING = "pending"  # received, not read yet (the SMTP reply never waits on reading)
    ARTICLES = "articles"
    SIGNUP = "signup"  # a confirmation request or a welcome: its links wait for the admin
    EMPTY = "empty"  # nothing to keep: the reason says why
    FAILED = "failed"


class SourceMail(db.Model):
    """One newsletter mail received for a mail source, kept with what became of it."""

    __table_args__ = (
        UniqueConstraint("source_id", "fingerprint"),
        Index(None, "status", "received_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id", ondelete="CASCADE"), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sender: Mapped[str] = mapped_column(String(300), default="")
    subject: Mapped[str] = mapped_column(String(500), default="")
    raw: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # loaded when read
    fingerprint: Mapped[str] = mapped_column(String(64))  # mail_fingerprint: a resent copy is one
    status: Mapped[MailStatus] = mapped_column(_enum(MailStatus), default=MailStatus.PENDING)
    reason: Mapped[str | None] = mapped_column(Text)
    links: Mapped[list] = mapped_column(JSON, default=list)  # [[text, url], ...] of a sign-up
    article_count: Mapped[int] = mapped_column(default=0)
    # When it was read, or (still pending) when a reader claimed it.
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    source: Mapped[Source] = relationship()


class Story(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Article(db.Model):
    __table_args__ = (Index(None, "source_id", "fetched_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id", ondelete="CASCADE"))
    story_id: Mapped[int | None] = mapped_column(ForeignKey("story.id", ondelete="SET NULL"))
    canonical_url: Mapped[str] = mapped_column(String(2000), unique=True)
    guid: Mapped[str | None] = mapped_column(String(2000))
    title: Mapped[str] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text, default="")
    html: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(300))
    origin: Mapped[str | None] = mapped_column(String(300))
    categories: Mapped[list] = mapped_column(JSON, default=list)
    image_url: Mapped[str | None] = mapped_column(String(2000))
    is_teaser: Mapped[bool] = mapped_column(default=False)
    minhash: Mapped[bytes | None] = mapped_column(LargeBinary)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    source: Mapped[Source] = relationship()  # the first source that brought it
    story: Mapped[Story | None] = relationship()


class SourceArticle(db.Model):
    """Every source that brought an article: one article may serve several newsletters."""

    __table_args__ = (Index(None, "source_id", "linked_at"),)
    source_id: Mapped[int] = mapped_column(
        ForeignKey("source.id", ondelete="CASCADE"), primary_key=True
    )
    article_id: Mapped[int] = mapped_column(
        ForeignKey("article.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@event.listens_for(Article, "after_insert")
def _link_first_source(mapper, connection, article: Article) -> None:
    """Every stored article is linked to the source that brought it, whoever inserted it."""
    connection.execute(
        insert(SourceArticle).values(
            source_id=article.source_id, article_id=article.id, linked_at=article.fetched_at
        )
    )


class Subscriber(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[SubscriberStatus] = mapped_column(
        _enum(SubscriberStatus), default=SubscriberStatus.OK
    )
    status_reason: Mapped[str | None] = mapped_column(Text)
    # The last opt-in mail sent to this address, for any newsletter: at most one a day.
    confirmation_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Subscription(db.Model):
    __table_args__ = (
        UniqueConstraint("newsletter_id", "subscriber_id"),
        Index(None, "subscriber_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    newsletter_id: Mapped[int] = mapped_column(ForeignKey("newsletter.id", ondelete="CASCADE"))
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscriber.id", ondelete="CASCADE"))
    status: Mapped[SubscriptionStatus] = mapped_column(
        _enum(SubscriptionStatus), default=SubscriptionStatus.PENDING
    )
    topics: Mapped[list] = mapped_column(JSON, default=list)
    frequency: Mapped[str] = mapped_column(String(10), default="every", server_default="every")
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    newsletter: Mapped[Newsletter] = relationship()
    subscriber: Mapped[Subscriber] = relationship()


class Edition(db.Model):
    # One edition per newsletter, cadence ("every" edition or "weekly") and slot.
    __table_args__ = (UniqueConstraint("newsletter_id", "cadence", "slot"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    newsletter_id: Mapped[int] = mapped_column(ForeignKey("newsletter.id", ondelete="CASCADE"))
    slot: Mapped[datetime] = mapped_column(UTCDateTime)
    cadence: Mapped[str] = mapped_column(String(10), default="every", server_default="every")
    status: Mapped[EditionStatus] = mapped_column(_enum(EditionStatus), default=EditionStatus.DRAFT)
    subject: Mapped[str] = mapped_column(String(300))
    intro: Mapped[str | None] = mapped_column(Text)
    snapshot: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pause_reason: Mapped[str | None] = mapped_column(Text)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    preheader: Mapped[str | None] = mapped_column(String(300))
    is_private: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The editor's section names: {"built name": "shown name"}; a rebuild follows them.
    section_renames: Mapped[dict | None] = mapped_column(JSON)
    # Built with its stories ordered by readers' clicks (the newsletter's orders_by_clicks).
    ordered_by_clicks: Mapped[bool] = mapped_column(default=False, server_default=false())
    # When an approved edition may go out: its slot, or at once (None) after "send now".
    send_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A subject test (digest.deliver.subjects): the other subject lines tried against
    # `subject`, the share of readers they go to first, and how long the test runs; then the
    # winning line's index (0: `subject`), when and how it was chosen, and the results then.
    other_subjects: Mapped[list | None] = mapped_column(JSON)
    test_share: Mapped[int] = mapped_column(default=20, server_default="20")
    test_minutes: Mapped[int] = mapped_column(default=60, server_default="60")
    test_winner: Mapped[int | None]
    test_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    test_decision: Mapped[str | None] = mapped_column(String(300))
    test_results: Mapped[list | None] = mapped_column(JSON)

    newsletter: Mapped[Newsletter] = relationship()
    items: Mapped[list[EditionItem]] = relationship(
        back_populates="edition", order_by="EditionItem.position", cascade="all, delete-orphan"
    )

    @property
    def is_frozen(self) -> bool:
        return self.released_at is not None

    @property
    def subject_lines(self) -> list[str]:
        """The subject and, under a subject test, the lines tried against it (variant order)."""
        return [self.subject, *(self.other_subjects or [])]

    @property
    def has_subject_test(self) -> bool:
        return bool(self.other_subjects)

    @property
    def is_editable(self) -> bool:
        return self.status is EditionStatus.DRAFT

    @property
    def story_count(self) -> int:
        """Stories a reader will see: representatives of their story that are not excluded."""
        return sum(1 for item in self.items if item.is_representative and not item.is_excluded)

    @property
    def has_items(self) -> bool:
        """Something left to send: an item the editor did not exclude."""
        return any(not item.is_excluded for item in self.items)


class EditionItem(db.Model):
    # An article appears in at most one edition of a newsletter per cadence (its edition's).
    __table_args__ = (UniqueConstraint("newsletter_id", "cadence", "article_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"))
    newsletter_id: Mapped[int] = mapped_column(ForeignKey("newsletter.id", ondelete="CASCADE"))
    cadence: Mapped[str] = mapped_column(String(10), default="every", server_default="every")
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"))
    story_key: Mapped[int] = mapped_column(default=0)
    is_representative: Mapped[bool] = mapped_column(default=True)
    section: Mapped[str] = mapped_column(String(200), default="News")
    position: Mapped[int] = mapped_column(default=0)
    summary: Mapped[list] = mapped_column(JSON, default=list)
    is_pinned: Mapped[bool] = mapped_column(default=False)
    is_excluded: Mapped[bool] = mapped_column(default=False)
    # The editor's headline and summary (None: the article's title, the built summary).
    headline_override: Mapped[str | None] = mapped_column(String(500))
    summary_override: Mapped[str | None] = mapped_column(Text)
    # Its event went out before (digest.group.repeats): the edition that first sent it. Such a
    # story is left out, unless it adds new facts (`is_update`): then it goes out labelled
    # "Update". The editor may include or leave out either way; sent, it is labelled "Update".
    repeat_of: Mapped[int | None]
    is_update: Mapped[bool] = mapped_column(default=False, server_default=false())

    @property
    def headline(self) -> str:
        return self.headline_override or self.article.title

    @property
    def summary_text(self) -> str:
        return (
            self.summary_override if self.summary_override is not None else " ".join(self.summary)
        )

    edition: Mapped[Edition] = relationship(back_populates="items")
    article: Mapped[Article] = relationship()


RETRYING = "status = 'pending' AND attempts > 0"


class Delivery(db.Model):
    __table_args__ = (
        UniqueConstraint("edition_id", "subscriber_id"),
        Index(None, "edition_id", "status", "lease_until"),
        Index("ix_delivery_edition_id_attempted_at", "edition_id", "attempted_at"),
        # /metrics: messages sent in the last minute, and rows waiting for a retry.
        Index("ix_delivery_sent_at", "sent_at"),
        Index(
            "ix_delivery_retrying",
            "edition_id",
            postgresql_where=text(RETRYING),
            sqlite_where=text(RETRYING),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"))
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscriber.id", ondelete="CASCADE"))
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscription.id", ondelete="CASCADE"))
    status: Mapped[DeliveryStatus] = mapped_column(
        _enum(DeliveryStatus), default=DeliveryStatus.PENDING
    )
    message_id: Mapped[str] = mapped_column(String(300))
    attempts: Mapped[int] = mapped_column(default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    smtp_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last attempt and, when it failed for a reason that repeats across recipients, its
    # kind ("550 5.7.1", "connection"): the edition's failure streak is read from these.
    attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failure_kind: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The subject line this row gets (Edition.subject_lines); None while a subject test holds
    # the row back for the winner.
    variant: Mapped[int | None] = mapped_column(SmallInteger, default=0, server_default="0")

    subscriber: Mapped[Subscriber] = relationship()
    subscription: Mapped[Subscription] = relationship()


class DeliveryEvent(db.Model):
    """A bounce, complaint or unsubscribe that came back, and what digest did about it."""

    __table_args__ = (
        UniqueConstraint("delivery_id", "fingerprint"),
        Index(None, "subscriber_id", "kind", "received_at"),
        Index(None, "edition_id", "kind"),
        Index(None, "received_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    # None only for an unsubscribe mailed without a token, known by its sender alone.
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("delivery.id", ondelete="CASCADE"))
    edition_id: Mapped[int | None] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"))
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscriber.id", ondelete="CASCADE"))
    kind: Mapped[EventKind] = mapped_column(_enum(EventKind))
    action: Mapped[str] = mapped_column(String(200))
    status: Mapped[str | None] = mapped_column(String(20))  # RFC 3463 code, e.g. 5.1.1
    detail: Mapped[str | None] = mapped_column(Text)
    recipient_domain: Mapped[str] = mapped_column(String(254))
    channel: Mapped[str] = mapped_column(String(20))  # smtp | mailbox
    fingerprint: Mapped[str] = mapped_column(String(64))  # see mail_fingerprint
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the mail's Date
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    subscriber: Mapped[Subscriber] = relationship()


class JobRun(db.Model):
    __table_args__ = (Index(None, "job", "started_at"), Index(None, "started_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(100))
    newsletter_id: Mapped[int | None] = mapped_column(
        ForeignKey("newsletter.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(20), default="running")
    detail: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboxMail(db.Model):
    """A service mail written in the same transaction as the change that causes it
    (confirmation, welcome, invite, review request, test send), sent after the commit."""

    __table_args__ = (Index(None, "sent_at", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    envelope_from: Mapped[str] = mapped_column(String(320))
    recipient: Mapped[str] = mapped_column(String(320))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


class ClickSalt(db.Model):
    """An edition's secret for telling clickers apart without knowing them: destroyed when
    its statistics window closes, after which no stored hash can be tied to anyone."""

    edition_id: Mapped[int] = mapped_column(
        ForeignKey("edition.id", ondelete="CASCADE"), primary_key=True
    )
    salt: Mapped[str] = mapped_column(String(64))
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Click(db.Model):
    """One request for a tracked story link, while the edition's window is open: which story
    (its section and place in the snapshot), a salted hash of who (never the address, the IP
    or the user agent), when, and whether the request itself could be a person's."""

    __table_args__ = (Index(None, "edition_id", "visitor", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"))
    section: Mapped[int]
    story: Mapped[int]
    visitor: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    could_be_human: Mapped[bool]  # a GET from no known link scanner
    variant: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")  # subject
    # The reader's delivery row, only with per-reader statistics (digest/deliver/readers.py).
    delivery_id: Mapped[int | None] = mapped_column(
        ForeignKey("delivery.id", ondelete="CASCADE"), index=True
    )


class ClickTotal(db.Model):
    """An edition's counts per story, kept once its window closed and its clicks went."""

    edition_id: Mapped[int] = mapped_column(
        ForeignKey("edition.id", ondelete="CASCADE"), primary_key=True
    )
    section: Mapped[int] = mapped_column(primary_key=True)
    story: Mapped[int] = mapped_column(primary_key=True)
    human: Mapped[int] = mapped_column(default=0)
    machine: Mapped[int] = mapped_column(default=0)
    unique_clickers: Mapped[int] = mapped_column(default=0)  # the edition's, on every row


class MailOpen(db.Model):  # type: ignore[name-defined]  # as every model (mypy-baseline)
    """One load of a mail's open pixel while the edition's window is open: the subject line the
    mail carried, a hash salted with the edition's ClickSalt (never the IP or the agent), when,
    and the reader's delivery row only with per-reader statistics."""

    __table_args__ = (Index(None, "edition_id", "visitor"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"))
    variant: Mapped[int] = mapped_column(default=0)
    visitor: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivery_id: Mapped[int | None] = mapped_column(
        ForeignKey("delivery.id", ondelete="CASCADE"), index=True
    )


class OpenTotal(db.Model):  # type: ignore[name-defined]  # as every model (mypy-baseline)
    """An edition's opens per subject line, kept once its window closed."""

    edition_id: Mapped[int] = mapped_column(
        ForeignKey("edition.id", ondelete="CASCADE"), primary_key=True
    )
    variant: Mapped[int] = mapped_column(primary_key=True)
    opens: Mapped[int] = mapped_column(default=0)
    unique_openers: Mapped[int] = mapped_column(default=0)


class SchedulerLease(db.Model):
    """The single-scheduler lock: one row, held by the process whose lease has not expired."""

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class User(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    is_admin: Mapped[bool] = mapped_column(default=False)
    # Part of every session's id: raising it (at sign-out) ends every session of the user.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # A deactivated user cannot sign in, and their sessions end (flask-login reads this).
    is_active: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Invited users have no password until they follow their link.
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # flask-login protocol
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"
