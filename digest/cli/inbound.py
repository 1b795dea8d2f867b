"""`digest inbound`: the SMTP server for bounces, complaints, mailto: unsubscribes and the
newsletters mailed to mail sources."""

from __future__ import annotations

import signal
import threading

import click
from flask.cli import ScriptInfo, pass_script_info

from digest.errors import DigestError
from digest.words import counted


@click.command("inbound")
@click.option(
    "--listen",
    default="127.0.0.1:2525",
    show_default=True,
    help="HOST:PORT to receive returned mail on (point the bounce domain's MX here).",
)
@click.option("--mailbox", is_flag=True, help="Fetch DIGEST_BOUNCE_MAILBOX once instead, and exit.")
@pass_script_info
def inbound(info: ScriptInfo, listen: str, mailbox: bool) -> None:
    """Receive returned mail: bounces, complaints and unsubscribe requests."""
    app = info.load_app()
    if mailbox:
        _poll_once(app)
        return
    from digest.deliver.inbound import receiving
    from digest.deliver.inbound.smtpd import InboundHandler, parse_listen, start_server

    try:
        host, port = parse_listen(listen)
    except ValueError as exc:
        raise DigestError(str(exc)) from exc
    handler = InboundHandler(
        lambda address: _in_context(app, receiving.accepts, address),
        lambda mail: _in_context(app, receiving.receive, mail),
        lambda mail_ids: _in_context(app, receiving.read_kept, mail_ids),
    )
    try:
        server = start_server(handler, host, port)
    except (OSError, RuntimeError) as exc:
        raise DigestError(f"cannot listen on {host}:{port}: {exc}") from exc
    click.echo(f"receiving returned mail on {host}:{port} (Ctrl-C to stop)")
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        handler.close()


def _in_context(app, work, item):
    """Run one piece of inbound work in an app context of its own (one per server thread)."""
    with app.app_context():
        return work(item, app.extensions["digest.settings"])


def _poll_once(app) -> None:
    from digest.deliver.inbound import receiving
    from digest.deliver.inbound.mailbox import poll_mailbox

    url = app.extensions["digest.settings"].inbound.bounce_mailbox
    if not url:
        raise DigestError("DIGEST_BOUNCE_MAILBOX is not set")
    fetched, handled = poll_mailbox(
        url, lambda mail: _in_context(app, receiving.receive_quietly, mail)
    )
    click.echo(f"{counted(fetched, 'returned mail')} fetched, {handled} handled")
    read = _in_context(app, receiving.read_kept, None)
    if read:
        click.echo(f"{counted(read, 'newsletter')} read for mail sources")


def register(group: click.Group) -> None:
    group.add_command(inbound)
