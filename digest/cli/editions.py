"""`digest build`, `preview` and `send`: the next edition, as it will look, delivered."""

from __future__ import annotations

import sys
from pathlib import Path
from time import monotonic
from typing import TYPE_CHECKING

import click

from digest.cli.newsletters import newsletter_named
from digest.context import current_runner, current_settings
from digest.errors import DigestError
from digest.extensions import db
from digest.words import counted

if TYPE_CHECKING:
    from digest.models import Edition
    from digest.render import RenderedMessage

# Each command imports the steps and models it uses, so `flask digest --help` loads none.


@click.command("build")
@click.argument("slug")
def build(slug: str) -> None:
    """Build the next edition of SLUG; prints its id alone on the last line."""
    from digest.deliver.rates import click_rates
    from digest.edition.build import build_edition  # loads the grouping step

    edition = build_edition(newsletter_named(slug), rates=click_rates)
    db.session.commit()
    stories = edition.story_count
    articles = counted(len(edition.items), "article")
    click.echo(f"edition {edition.id}: {articles} in {counted(stories, 'story')}")
    click.echo(edition.id)


@click.command("preview")
@click.argument("edition_id", type=int)
@click.option("--html", "html_path", type=click.Path(path_type=Path), help="Write the HTML here.")
@click.option("--text", "text_path", type=click.Path(path_type=Path), help="Write the text here.")
@click.option(
    "--reader",
    metavar="EMAIL",
    help="As this subscriber gets it: her topics, name, footer and links.",
)
def preview(
    edition_id: int, html_path: Path | None, text_path: Path | None, reader: str | None
) -> None:
    """Write EDITION as a subscriber would get it (the web archive's footer without --reader)."""
    from digest.edition import lifecycle

    message = _preview_for(lifecycle.get_edition(edition_id), reader)
    for path, body in ((html_path, message.html), (text_path, message.text)):
        if path:
            try:
                path.write_text(body, encoding="utf-8")
            except OSError as exc:
                raise DigestError(f"cannot write {path}: {exc.strerror or exc}") from exc
    if not (html_path or text_path):
        click.echo(message.text)


def _preview_for(edition: Edition, reader: str | None) -> RenderedMessage:
    """The archive's copy, or the reader's own mail (a line on stderr if she does not get it)."""
    from digest.deliver import preview as previews  # loads the renderer

    if reader is None:
        return previews.preview_message(edition, current_settings())
    subscription = previews.find_reader(edition, reader)
    missed = previews.why_reader_misses(edition, subscription)
    if missed:
        click.echo(f"{subscription.subscriber.email} does not get this edition: {missed}", err=True)
    return previews.reader_message(edition, current_settings(), subscription)


@click.command("send")
@click.argument("edition_id", type=int)
def send(edition_id: int) -> None:
    """Approve EDITION if it is a draft, release and deliver it; again resumes, never re-sends."""
    from digest.deliver.progress import counts_of
    from digest.edition import lifecycle
    from digest.jobs import record_job
    from digest.models import EditionStatus

    current_runner()  # the workers will send it: check they can, before approving
    edition = lifecycle.get_edition(edition_id)
    if edition.status in (EditionStatus.SENT, EditionStatus.CANCELLED):
        _say_finished(edition_id, edition.status, counts_of(edition_id))
        return
    if edition.status is EditionStatus.DRAFT:
        lifecycle.approve(edition)
        db.session.commit()
    summary = record_job("send", edition.newsletter_id, lambda: _send_with_progress(edition_id))
    click.echo(summary)
    edition = lifecycle.get_edition(edition_id)
    if edition.status is EditionStatus.PAUSED:
        raise DigestError(f"paused: {edition.pause_reason}; run send again to resume")
    _refuse_unsent(edition_id, edition.status, counts_of(edition_id))


def _say_finished(edition_id: int, status: str, counts: dict[str, int]) -> None:
    """A sent edition is done (sending again is harmless); a cancelled one is an error."""
    if status == "cancelled":
        went = f" after {counts['sent']} went out" if counts["sent"] else ""
        raise DigestError(f"edition {edition_id} is cancelled{went}: nothing is sent")
    click.echo(f"edition {edition_id} was already sent ({describe_counts(counts)}): nothing more")


def _refuse_unsent(edition_id: int, status: str, counts: dict[str, int]) -> None:
    """A send that ended with nobody's message accepted, or that someone cancelled meanwhile."""
    if status == "cancelled":
        raise DigestError(f"edition {edition_id} was cancelled while it was sending")
    if counts["failed"] and not counts["sent"]:
        failed = counted(counts["failed"], "recipient")
        raise DigestError(f"edition {edition_id}: no message was accepted ({failed} failed)")


def describe_counts(counts: dict[str, int]) -> str:
    """The ledger's counts as `pending 0, sent 3, failed 0, ...`."""
    return ", ".join(f"{k} {v}" for k, v in counts.items())


def _send_with_progress(edition_id: int) -> str:
    from digest.deliver.progress import counts_of
    from digest.deliver.send import deliver_edition  # loads the renderer and the engine

    sent_before, started = counts_of(edition_id)["sent"], monotonic()

    def rate(counts: dict[str, int]) -> float:
        """Messages accepted per second by this run."""
        return (counts["sent"] - sent_before) / max(monotonic() - started, 1e-3)

    with click.progressbar(
        length=1,
        label="sending",
        file=sys.stderr,
        show_pos=True,
        item_show_func=lambda r: None if r is None else f"{r:.1f} msg/s",
    ) as bar:

        def progress(counts: dict[str, int]) -> None:
            done = counts["sent"] + counts["failed"] + counts["skipped"]
            bar.length = max(1, done + counts["pending"] + counts["retrying"])
            bar.update(done - bar.pos, current_item=rate(counts))

        counts = deliver_edition(
            edition_id, current_settings(), current_runner(), progress=progress
        )
        progress(counts)
    return f"edition {edition_id}: {describe_counts(counts)} ({rate(counts):.1f} msg/s)"


@click.command("stats")
@click.argument("edition_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--csv", "as_csv", is_flag=True, help="Print one CSV row a story.")
def stats(edition_id: int, as_json: bool, as_csv: bool) -> None:
    """What readers opened in an edition: human and machine clicks per story, and opens
    (machine-inflated) when the newsletter counts them."""
    import json

    from digest.deliver import subjects
    from digest.deliver.clicks import edition_clicks
    from digest.edition.lifecycle import get_edition
    from digest.extensions import db

    try:
        edition = get_edition(edition_id)
        clicks = edition_clicks(edition)
    except DigestError as exc:
        raise click.ClickException(str(exc)) from exc
    with db.engine.connect() as connection:
        lines = subjects.lines_report(connection, edition)
    if as_json:
        found = clicks.as_json() | ({"subjects": lines} if lines else {})
        click.echo(json.dumps(found, ensure_ascii=False))
        return
    if as_csv:
        click.echo(clicks.as_csv(), nl=False)
        return
    click.echo(
        f"edition {edition_id}: {counted(clicks.delivered, 'message')} delivered, "
        f"{counted(clicks.unique_clickers, 'reader')} clicked "
        f"({clicks.click_rate:.1%}); {clicks.human} human and {clicks.machine} machine clicks"
    )
    if clicks.opens:
        click.echo(
            f"{counted(clicks.opens.opens, 'open')} by "
            f"{counted(clicks.opens.unique_openers, 'visitor')} (machine-inflated: "
            "Apple Mail Privacy Protection loads every tracking image, opened or not)"
        )
    width = max((len(s.title) for s in clicks.stories), default=5)
    click.echo(f"{'Story':<{width}}  {'Human':>6}  {'Machine':>7}")
    for s in sorted(clicks.stories, key=lambda s: -s.human):
        click.echo(f"{s.title:<{width}}  {s.human:>6}  {s.machine:>7}")
    if lines:
        click.echo(f"subject test: {edition.test_decision or 'running'}")
        width = max(len(line["subject"]) for line in lines)
        click.echo(f"   {'Subject':<{width}}  {'Delivered':>9}  {'Clicked':>7}")
        for line in lines:
            mark = "*" if line["winner"] else " "
            click.echo(
                f"{line['line']}{mark} {line['subject']:<{width}}  "
                f"{line['delivered']:>9}  {line['unique_clickers']:>7}"
            )


def register(group: click.Group) -> None:
    for command in (build, preview, send, stats):
        group.add_command(command)
