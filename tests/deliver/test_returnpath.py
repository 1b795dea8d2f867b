"""Signed return paths found in the text of a returned mail, and found fast."""

from __future__ import annotations

import subprocess
import sys

from digest.deliver.returnpath import (
    BOUNCE,
    UNSUBSCRIBE,
    SignedAddress,
    find_signed,
    make_message_id,
    make_token,
    read_address,
    read_message_id,
    read_token,
)

SECRET = "returnpath-test-secret"


def test_signed_addresses_are_found_wherever_a_report_quotes_them():
    bounce = make_token(SECRET, BOUNCE, 12)
    unsubscribe = make_token(SECRET, UNSUBSCRIBE, 7)
    text = (
        f"Final-Recipient: rfc822; reader@example.net\n"
        f"Return-Path: <bounces+{bounce}@news.example.org>\n"
        f"List-Unsubscribe: <mailto:bounces+{unsubscribe.upper()}@news.example.org>\n"
        f"again: bounces+{bounce}@news.example.org"
    )

    assert find_signed(text, SECRET) == [SignedAddress(BOUNCE, 12), SignedAddress(UNSUBSCRIBE, 7)]


def test_forged_and_bare_tokens_are_dropped():
    forged = make_token("another-secret", BOUNCE, 12)
    token = make_token(SECRET, BOUNCE, 3)
    text = f"bounces+{forged}@news.example.org and a token with no local part: <+{token}@x.org>"

    assert find_signed(text, SECRET) == []


def test_a_long_run_of_letters_is_read_in_linear_time():
    # The old pattern took 1.1 s for 20,000 letters and four times as long for twice as many, so
    # 1 MB would take most of an hour; the child process gets two minutes to read 1 MB.
    token = make_token(SECRET, BOUNCE, 5)
    script = (
        "import sys; from digest.deliver.returnpath import find_signed; "
        f"text = 'a' * 1_000_000 + ' bounces+{token}@x.org'; "
        f"print(len(find_signed(text, {SECRET!r})))"
    )

    command = [sys.executable, "-c", script]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1"


ROTATED = ("new-secret", SECRET)  # the current key first, then the old one


def test_after_a_key_change_old_return_paths_and_message_ids_still_name_their_row():
    bounce, unsubscribe = make_token(SECRET, BOUNCE, 12), make_token(SECRET, UNSUBSCRIBE, 7)
    assert read_token(ROTATED, bounce) == SignedAddress(BOUNCE, 12)
    assert read_address(f"bounces+{unsubscribe}@x.org", ROTATED) == SignedAddress(UNSUBSCRIBE, 7)
    assert find_signed(f"Return-Path: <bounces+{bounce}@x.org>", ROTATED) == [
        SignedAddress(BOUNCE, 12)
    ]
    assert read_message_id(ROTATED, make_message_id(SECRET, 12, "x.org")) == 12


def test_return_paths_and_message_ids_signed_with_an_unlisted_key_are_refused():
    bounce = make_token("stranger-secret", BOUNCE, 12)
    assert read_token(ROTATED, bounce) is None
    assert find_signed(f"bounces+{bounce}@x.org", ROTATED) == []
    assert read_message_id(ROTATED, make_message_id("stranger-secret", 12, "x.org")) is None


def test_new_return_paths_and_message_ids_are_signed_with_the_current_key_alone():
    bounce, message_id = make_token(ROTATED, BOUNCE, 12), make_message_id(ROTATED, 12, "x.org")
    assert read_token("new-secret", bounce) == SignedAddress(BOUNCE, 12)
    assert read_token(SECRET, bounce) is None
    assert read_message_id("new-secret", message_id) == 12
    assert read_message_id(SECRET, message_id) is None


def test_addresses_and_message_ids_handed_out_earlier_still_read(make_app):
    """Pinned values signed by an earlier release (under "new-key"): a change to how they
    are signed would orphan every address and Message-ID already out there."""
    from digest.ingest.inaddress import inbound_domain, read_source_address
    from tests.support.factories import settings_of

    keys = ("new-key", "old-key")
    assert read_token(keys, "b1.p6gqf4vplg6zmq7gqsipufbuxa") == SignedAddress(BOUNCE, 1)
    assert read_message_id(keys, "<m42.i5c46ico4vytqujiek7gxi2owm@x.org>") == 42
    assert make_token(keys, BOUNCE, 1) == "b1.p6gqf4vplg6zmq7gqsipufbuxa"
    settings = settings_of(make_app(secret_key="new-key"))
    address = f"in+42.tiy2no3m3g2c6kzpanqv2lcgnm@{inbound_domain(settings)}"
    assert read_source_address(address, settings) == 42
    assert read_source_address(address.replace("+42.", "+43."), settings) is None
