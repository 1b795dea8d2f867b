"""One recipient's message from an edition compiled once per topic set (signed when DKIM is on)."""

from __future__ import annotations

import threading

from jinja2 import TemplateError

from digest.deliver.ledger import RowToSend
from digest.deliver.message import Addressee, DkimSigner, MessageTemplate, Sender
from digest.deliver.returnpath import BOUNCE, UNSUBSCRIBE, signed_address
from digest.deliver.transport import dot_stuff
from digest.errors import DigestError, EditionUnsendable, RenderError
from digest.links import subscriber_url
from digest.models import Newsletter, utcnow
from digest.render import EditionView, Recipient, compile_edition, select_topics
from digest.settings import DeliverySettings, LinkSettings

TopicKey = frozenset[str] | None
TemplateKey = tuple[TopicKey, int]  # a topic set and a subject line


class NothingToSend(DigestError):
    """The reader's variant holds no story (only an edition with none at all): the row is skipped.

    Topics that pick no story give the whole edition (digest.render.topics), never this."""

    def __init__(self, topics: TopicKey):
        super().__init__(f"no story in the chosen topics ({', '.join(sorted(topics or ()))})")
        self.topics = topics


def topic_key(topics: list[str] | None) -> TopicKey:
    return frozenset(topics) if topics else None


def reader_view(view: EditionView, key: TopicKey) -> EditionView | None:
    """What a reader of these topics gets; None when it holds no story (her row is skipped)."""
    chosen = select_topics(view, key)
    return chosen if chosen.story_count else None


def sender_for(newsletter: Newsletter, settings: DeliverySettings) -> Sender:
    domain = newsletter.from_email.rpartition("@")[2] or "localhost"
    return Sender(
        from_name=newsletter.from_name or newsletter.title,
        from_email=newsletter.from_email,
        list_id=f"{newsletter.title} <{newsletter.slug}.{domain}>",
        reply_to=newsletter.reply_to,
        unsubscribe_mailto=f"mailto:{settings.envelope_from(newsletter.from_email)}"
        "?subject=unsubscribe",
    )


def signer_for(newsletter: Newsletter, settings: DeliverySettings) -> DkimSigner | None:
    """The DKIM signer, tried once: an unusable key stops sending before anything is released."""
    if settings.dkim is None:
        return None
    domain = settings.dkim.domain or newsletter.from_email.rpartition("@")[2]
    return DkimSigner(settings.dkim.key_file, settings.dkim.selector, domain)


class Composer:
    """Builds each recipient's bytes; compiles one MessageTemplate per distinct topic set and
    subject line (`views`: the edition as mailed under each line, 0 being its own subject).

    One composer serves every sender thread of an edition, so compiling is locked;
    filling in a recipient is not.
    """

    def __init__(
        self,
        edition_id: int,
        views: list[EditionView],
        sender: Sender,
        links: LinkSettings,
        signer: DkimSigner | None,
        return_base: str | None = None,
    ) -> None:
        self.edition_id = edition_id
        # The mailbox bounces and mailto: unsubscribes come back to (VERP: one address a row).
        self.return_base = return_base or sender.from_email
        self.views = views
        self.view = views[0]
        self.sender = sender
        self.links = links
        self.signer = signer
        self._templates: dict[TemplateKey, MessageTemplate | None] = {}
        self._lock = threading.Lock()

    def compile_all(self, topic_keys: set[TopicKey]) -> None:
        """Compile every variant now, so an edition-wide failure shows before anything is sent."""
        for key in {None, *topic_keys}:
            for line in range(len(self.views)):
                self.template_for(key, line)

    def template_for(self, key: TopicKey, line: int = 0) -> MessageTemplate | None:
        """The variant for one topic set and subject line, None when it holds no story;
        EditionUnsendable if the edition cannot render."""
        with self._lock:
            if (key, line) not in self._templates:
                self._templates[key, line] = self._compile(key, line)
            return self._templates[key, line]

    def _compile(self, key: TopicKey, line: int) -> MessageTemplate | None:
        chosen = reader_view(self.views[line], key)
        if chosen is None:
            return None
        try:
            compiled = compile_edition(chosen)
        except RenderError as exc:
            raise EditionUnsendable(self.edition_id, str(exc)) from exc
        except TemplateError as exc:
            raise EditionUnsendable(self.edition_id, f"template error: {exc}") from exc
        return MessageTemplate(compiled, self.sender)

    def signed(self, kind: str, delivery_id: int) -> str:
        return signed_address(self.return_base, self.links.secret_key, kind, delivery_id)

    def envelope_from(self, delivery_id: int) -> str:
        """The row's own return path (MAIL FROM), so a bounce names its row."""
        return self.signed(BOUNCE, delivery_id)

    def recipient(self, email: str, name: str | None, subscription_id: int) -> Recipient:
        """A reader's personal fields: her address, her name and her own signed links."""
        return Recipient(
            email=email,
            name=name,
            unsubscribe_url=subscriber_url(self.links, "unsubscribe", subscription_id),
            preferences_url=subscriber_url(self.links, "preferences", subscription_id),
            view_url=self.view.archive_url,
        )

    def reader_template(self, topics: list[str] | None, line: int | None = 0) -> MessageTemplate:
        """The variant a reader of these topics gets under that subject line; NothingToSend
        when it holds no story."""
        key = topic_key(topics)
        template = self.template_for(key, line if line and line < len(self.views) else 0)
        if template is None:
            raise NothingToSend(key)
        return template

    def compose(self, row: RowToSend) -> bytes:
        """The row's message, dot-stuffed for DATA; RecipientRejected for a field it cannot take,
        NothingToSend when the reader's variant has no story."""
        recipient = self.recipient(row.email, row.name, row.subscription_id)
        template = self.reader_template(row.topics, row.variant)
        mailto = self.signed(UNSUBSCRIBE, row.delivery_id) + "?subject=unsubscribe"
        addressee = Addressee(recipient, row.message_id, utcnow(), f"mailto:{mailto}")
        if self.signer:
            return dot_stuff(self.signer.sign(template.render(addressee)))
        return template.render(addressee, dot_stuffed=True)
