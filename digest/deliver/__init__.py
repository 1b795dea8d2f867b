"""The deliver step: the outbox ledger and the SMTP sending engine."""

from digest.deliver.ledger import delivery_counts
from digest.deliver.outbox import release_edition
from digest.deliver.sender import EditionSender, send_edition

__all__ = ["EditionSender", "delivery_counts", "release_edition", "send_edition"]
