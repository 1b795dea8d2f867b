"""A mail source's page: its signed address, and the mails it received with what became of
them; a sign-up's links are shown for the admin to follow by hand (nothing is clicked)."""

from __future__ import annotations

from flask import render_template

from digest.accounts import Role
from digest.context import current_settings
from digest.web.auth import role_required


@role_required(Role.ADMIN)
def mail_source_page(source_id: int) -> str:
    from digest.ingest.inaddress import source_address
    from digest.ingest.inbox import mails_of
    from digest.ingest.sources import get_source, health_of

    source = get_source(source_id)
    mails = mails_of(source)  # NotFound (404) for a source that is not a mail source
    return render_template(
        "admin/mail_source.html",
        source=source,
        health=health_of(source),
        address=source_address(source.id, current_settings()),
        mails=mails,
    )
