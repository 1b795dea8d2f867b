"""The audience step: subscribers, subscriptions, CSV imports, and who may receive an edition."""

from digest.audience.eligibility import ineligible_reason, is_eligible, wants_cadence
from digest.audience.imports import ImportReport, import_csv
from digest.audience.subscriptions import (
    claim_confirmation,
    clean_name,
    confirm,
    may_confirm,
    may_receive_confirmation,
    normalise_email,
    parse_topics,
    request_subscription,
    set_topics,
    subscribe,
    unsubscribe,
)

__all__ = [
    "claim_confirmation",
    "clean_name",
    "may_confirm",
    "may_receive_confirmation",
    "ImportReport",
    "confirm",
    "import_csv",
    "ineligible_reason",
    "is_eligible",
    "normalise_email",
    "parse_topics",
    "request_subscription",
    "set_topics",
    "subscribe",
    "unsubscribe",
    "wants_cadence",
]
