"""Per-recipient return paths (VERP) and mailto: unsubscribe addresses, signed for one delivery row.

A message to delivery row 1234 leaves with `MAIL FROM:<bounces+b1234.<sig>@example.org>`
and lists `mailto:bounces+u1234.<sig>@example.org?subject=unsubscribe`. A bounce or an
unsubscribe request that comes back to either address names its row even when the report
itself is mangled, and nobody can make up a valid address for someone else's row.

The signature is a 128-bit HMAC-SHA256 (digest.links.address_signer: itsdangerous, its own
key per purpose) written in lower-case base32: some mail servers fold local parts to lower
case, and the whole local part stays well under the 64 characters RFC 5321 allows.

Each message's Message-ID is signed for its row the same way, under a key of its own:
`<m1234.<sig>@example.org>`. A report that quotes it names row 1234 as surely as the return
path does, and nobody can write down another reader's Message-ID.

Each function takes the key, or the keys current first (`LinkSettings.keys`): whatever is
made is signed with the current key, and what comes back verifies with any of them, so
returned mail still names its row after the secret key was rotated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from itsdangerous import BadSignature

from digest.links import AddressSigner, address_signer
from digest.settings import SigningKeys

BOUNCE = "b"
UNSUBSCRIBE = "u"
KINDS = (BOUNCE, UNSUBSCRIBE)
_TOKEN = re.compile(r"^([bu])(\d{1,12})\.([a-z2-7]{26})$")
_MESSAGE_ID = re.compile(r"^<m(\d{1,12})\.([a-z2-7]{26})@[^<>@\s]+>$")
# A signed address anywhere in a text, e.g. quoted in a bounce or in a Return-Path header.
# The search starts at the `+`, with a one-character look back at the local part: a pattern that
# began with the local part itself would rescan a long run of letters from every position in it
# (quadratic time on a one-line 2 MB mail).
SIGNED_ADDRESS = re.compile(r"(?<=[\w.!#$%&'*/=?^`{|}~-])\+([bu]\d{1,12}\.[a-z2-7]{26})@", re.I)


def _signer(secret: SigningKeys) -> AddressSigner:
    return address_signer(secret, "return-path")


def _message_id_signer(secret: SigningKeys) -> AddressSigner:
    return address_signer(secret, "message-id")


@dataclass(frozen=True)
class SignedAddress:
    """What a signed address says: the purpose (bounce or unsubscribe) and the delivery row."""

    kind: str
    delivery_id: int


def make_token(secret: SigningKeys, kind: str, delivery_id: int) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown return path kind {kind!r}")
    return _signer(secret).sign(f"{kind}{delivery_id}").decode()


def read_token(secret: SigningKeys, token: str) -> SignedAddress | None:
    """The purpose and row a token names, or None when it is malformed or forged."""
    found = _TOKEN.match(token.strip().lower())
    if not found:
        return None
    try:
        _signer(secret).unsign(token.strip().lower())
    except BadSignature:
        return None
    return SignedAddress(found.group(1), int(found.group(2)))


def signed_address(base: str, secret: SigningKeys, kind: str, delivery_id: int) -> str:
    """`local+<token>@domain` for the base mailbox `local@domain`."""
    local, _, domain = base.rpartition("@")
    local = local.partition("+")[0] or "bounces"
    return f"{local}+{make_token(secret, kind, delivery_id)}@{domain or 'localhost'}"


def read_address(address: str, secret: SigningKeys) -> SignedAddress | None:
    """The row a signed address names (`local+token@domain`), or None."""
    local = address.strip().strip("<>").rpartition("@")[0]
    if "+" not in local:
        return None
    return read_token(secret, local.rpartition("+")[2])


def find_signed(text: str, secret: SigningKeys) -> list[SignedAddress]:
    """Every valid signed address in a text, in order of appearance; forged ones are dropped."""
    found: dict[SignedAddress, None] = {}
    for match in SIGNED_ADDRESS.finditer(text):
        signed = read_token(secret, match.group(1))
        if signed is not None:
            found.setdefault(signed)
    return list(found)


def base_of(address: str) -> str:
    """The mailbox a signed address is delivered to: `local@domain` without the `+token`."""
    local, _, domain = address.strip().strip("<>").rpartition("@")
    return f"{local.partition('+')[0]}@{domain}".lower()


def make_message_id(secret: SigningKeys, delivery_id: int, domain: str) -> str:
    """The Message-ID of the message for one delivery row: `<m1234.<sig>@domain>`."""
    return f"<{_message_id_signer(secret).sign(f'm{delivery_id}').decode()}@{domain}>"


def read_message_id(secret: SigningKeys, message_id: str) -> int | None:
    """The row a Message-ID of ours names, or None when it is not ours, unsigned or forged."""
    found = _MESSAGE_ID.match(message_id.strip().lower())
    if not found:
        return None
    token = f"m{found.group(1)}.{found.group(2)}"
    try:
        _message_id_signer(secret).unsign(token)
    except BadSignature:
        return None
    return int(found.group(1))
