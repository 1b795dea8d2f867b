"""`flask digest ...`: a thin shell over the operations and steps, grouped by subject.

Every command runs in an app context, commits once, and turns a DigestError into
one line on stderr with exit status 1.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import click
from flask import Flask, current_app
from flask.cli import AppGroup, ScriptInfo

from digest.errors import DigestError
from digest.extensions import db


class DigestGroup(AppGroup):
    """The `digest` group: every command below it runs in an app context, and any DigestError
    raised there becomes one line and exit status 1."""

    def invoke(self, ctx: click.Context):
        if not current_app:
            ctx.with_resource(ctx.ensure_object(ScriptInfo).load_app().app_context())
        try:
            return super().invoke(ctx)
        except DigestError as exc:
            db.session.rollback()
            raise click.ClickException(str(exc)) from exc


digest_cli = DigestGroup("digest", help="Build and deliver newsletter digests.")


class AppCommands(AppGroup):
    """The app's commands (`app.cli`). Flask-Migrate's `db` group, and Alembic with it, is
    attached only when `flask db ...` (or `flask --help`) asks for it."""

    def __init__(self, attach_migrations: Callable[[], None], **kwargs) -> None:
        super().__init__(**kwargs)
        self.attach_migrations = attach_migrations

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), "db"})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name == "db" and name not in self.commands:
            self.attach_migrations()  # adds Flask-Migrate's own `db` group to these commands
        return super().get_command(ctx, name)


def add_commands(group: click.Group) -> None:
    """Put every digest command in the group (again is harmless: same names, same commands)."""
    from digest.cli import editions, inbound, newsletters, sources, subscribers, system, users

    for module in (newsletters, sources, subscribers, editions, users, system, inbound):
        module.register(group)


def register(app: Flask) -> None:
    add_commands(digest_cli)
    from digest.app import attach_migrations

    app.cli = AppCommands(partial(attach_migrations, app), name=app.cli.name)
    app.cli.add_command(digest_cli)
