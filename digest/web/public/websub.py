"""The WebSub callback a hub talks to: its intent verification (GET) and its deliveries (POST).

Hubs post without our cookies or a CSRF token (the route is exempt); what guards a delivery
is the HMAC signature under the secret we gave the hub (digest/ingest/push.py).

Answers: a verification is echoed only for a request we made (404 otherwise). A delivery
for a subscription we hold gets 202 whether it was stored or ignored for a missing or bad
signature, as WebSub asks (a forger learns nothing, and a hub does not resend forever); an
unknown callback gets 404 and a body over the limit 413.
"""

from __future__ import annotations

from flask import Response, abort, request

from digest.context import current_settings
from digest.extensions import db
from digest.ingest.hubs import record_denial, verify_intent
from digest.ingest.push import MAX_PUSH_BYTES, receive_push
from digest.models import utcnow

CHALLENGE_LIMIT = 2000  # characters of hub.challenge we echo


def hub_callback(subscription_id: int) -> Response:
    """The callback URL we give hubs: a GET verifies, a POST delivers."""
    if request.method == "POST":
        return hub_delivery(subscription_id)
    return hub_verification(subscription_id)


def hub_verification(subscription_id: int) -> Response:
    """Echo hub.challenge for the mode and topic we asked for; record a hub's denial."""
    args = request.args
    mode, topic = args.get("hub.mode", ""), args.get("hub.topic", "")
    if mode == "denied":
        if not record_denial(subscription_id, topic, args.get("hub.reason"), utcnow()):
            abort(404)
        db.session.commit()
        return _plain("")
    challenge = args.get("hub.challenge", "")
    if not challenge or len(challenge) > CHALLENGE_LIMIT:
        abort(404)
    if not verify_intent(subscription_id, mode, topic, args.get("hub.lease_seconds"), utcnow()):
        abort(404)
    db.session.commit()
    return _plain(challenge)


def hub_delivery(subscription_id: int) -> Response:
    """Store what the hub pushed, as a poll of the feed would (when it is signed by our secret)."""
    if (request.content_length or 0) > MAX_PUSH_BYTES:
        abort(413)
    body = request.stream.read(MAX_PUSH_BYTES + 1)
    if len(body) > MAX_PUSH_BYTES:
        abort(413)
    signature = request.headers.get("X-Hub-Signature")
    settings = current_settings().ingest
    outcome = receive_push(subscription_id, body, signature, settings, utcnow())
    if not outcome.is_known:
        abort(404)
    db.session.commit()
    return _plain("", 202)


def _plain(text: str, status: int = 200) -> Response:
    response = Response(text, status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response
