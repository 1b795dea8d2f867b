"""`digest subscribers import`: subscribers from a CSV, bad rows reported with line numbers."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterable
from contextlib import AbstractContextManager
from pathlib import Path

import click

from digest.cli.newsletters import newsletter_named
from digest.context import current_settings
from digest.errors import DigestError, InvalidInput
from digest.extensions import db
from digest.words import counted


@click.group("subscribers")
def subscribers_group() -> None:
    """Manage subscribers."""


@subscribers_group.command("import")
@click.argument("csv_path", type=click.Path(path_type=Path))
@click.option("--newsletter", "slug", required=True)
@click.option(
    "--confirm",
    "needs_confirmation",
    is_flag=True,
    help="Send opt-in mails instead of activating the addresses now.",
)
def import_csv(csv_path: Path, slug: str, needs_confirmation: bool) -> None:
    """Import subscribers from a CSV with an 'email' column (and optional name, topics)."""
    from digest import audience
    from digest.audience.imports import decode_csv
    from digest.deliver import outbox
    from digest.deliver.notices import confirmation_notice

    newsletter = newsletter_named(slug)
    if not csv_path.is_file():
        raise InvalidInput(f"no such file: {csv_path}")
    text = decode_csv(csv_path.read_bytes())
    count = sum(1 for _ in io.StringIO(text, newline=""))

    def bar(lines: Iterable[str]) -> AbstractContextManager[Iterable[str]]:
        return click.progressbar(lines, count, label="importing subscribers", file=sys.stderr)

    report = audience.import_csv(newsletter, io.StringIO(text, newline=""), needs_confirmation, bar)
    settings = current_settings()
    mails = [
        outbox.add_mail(confirmation_notice(subscription, settings), "confirmation").id
        for subscription in report.pending_confirmation
    ]
    db.session.commit()
    if mails:
        with click.progressbar(mails, label="sending confirmations", file=sys.stderr) as sending:
            for mail_id in sending:  # what is refused now, the scheduler retries
                outbox.send_mail(mail_id, settings.delivery.smtp)
    click.echo(f"{report.added} added, {report.existing} already there")
    for note in report.left_out_topics:
        click.echo(note, err=True)
    if report.errors:
        for error in report.errors:
            click.echo(error, err=True)
        skipped = counted(len(report.errors), "bad row")
        raise DigestError(f"{skipped} skipped; the rest imported")


def register(group: click.Group) -> None:
    group.add_command(subscribers_group)
