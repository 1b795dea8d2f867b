"""The web archive: a newsletter's sent editions, each as sent, and an Atom feed of them."""

from __future__ import annotations

import re

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug import Response

from digest.accounts import Role, has_role
from digest.context import current_settings
from digest.deliver.archive import archive_entries, neighbours, public_edition, set_private
from digest.deliver.preview import preview_message
from digest.extensions import db
from digest.web.auth import role_required
from digest.web.public.feed import atom_feed
from digest.web.public.views import open_newsletter
from digest.web.security import message_response

ATOM_TYPE = "application/atom+xml"
BODY_OPEN = re.compile(r"<body\b[^>]*>", re.IGNORECASE)


def _is_admin() -> bool:
    return current_user.is_authenticated and has_role(current_user, Role.ADMIN)


def archive_list(slug: str) -> str:
    """Every sent edition with its subject, date and story count (admins also see private ones)."""
    newsletter = open_newsletter(slug)
    is_admin = _is_admin()
    return render_template(
        "public/archive.html",
        newsletter=newsletter,
        entries=archive_entries(newsletter, with_private=is_admin),
        is_admin=is_admin,
    )


def archive(slug: str, edition_id: int) -> Response:
    """A sent edition as it went out, with the web archive's footer (anchors per story), under
    a bar that leads to the older and newer editions, the whole archive and the newsletter."""
    newsletter = open_newsletter(slug)
    is_admin = _is_admin()
    edition = public_edition(newsletter, edition_id, with_private=is_admin)
    older, newer = neighbours(newsletter, edition, with_private=is_admin)
    bar = render_template(
        "public/archive_bar.html", newsletter=newsletter, older=older, newer=newer
    )
    html = preview_message(edition, current_settings()).html
    return message_response(BODY_OPEN.sub(lambda m: m.group(0) + bar, html, count=1))


def feed(slug: str) -> Response:
    """An Atom feed of the archive, each entry with the edition's full content."""
    newsletter = open_newsletter(slug)
    body = atom_feed(newsletter, archive_entries(newsletter))
    return Response(body, mimetype=ATOM_TYPE)


@role_required(Role.ADMIN)
def mark_private(slug: str, edition_id: int) -> Response:
    """An admin hides an edition from the archive and the feed, or shows it again."""
    newsletter = open_newsletter(slug)
    edition = public_edition(newsletter, edition_id, with_private=True)
    set_private(edition, request.form.get("is_private") == "1")
    db.session.commit()
    flash("The edition is private." if edition.is_private else "The edition is public.", "ok")
    return redirect(url_for("public.archive_list", slug=slug))
