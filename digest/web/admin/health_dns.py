"""The DNS part of the health page: one identity per sending domain, checked through
DIGEST_DNS_RESOLVER. Loads dnspython, so it is imported only when the admin asks."""

from __future__ import annotations

from digest.context import current_settings
from digest.deliver.health.dnscheck import Check, Identity, check_all
from digest.newsletters import sender_addresses


def identities() -> list[Identity]:
    """What each newsletter sends as (distinct pairs of From and return path domains)."""
    delivery = current_settings().delivery
    found: dict[tuple[str, str], Identity] = {}
    for from_email in sender_addresses():
        from_domain = from_email.rpartition("@")[2].lower()
        return_domain = delivery.envelope_from(from_email).rpartition("@")[2].lower()
        found.setdefault(
            (from_domain, return_domain),
            Identity(from_domain, return_domain, delivery.smtp.host, delivery.dkim),
        )
    return list(found.values())[:5]


def dns_checks() -> list[tuple[Identity, list[Check]]] | str:
    """Each identity with its checks, or why nothing was checked."""
    resolver = current_settings().inbound.dns_resolver
    if not resolver:
        return "Set DIGEST_DNS_RESOLVER=host:port to check SPF, DKIM and DMARC."
    return [(identity, check_all(identity, resolver)) for identity in identities()]
