"""`flask digest ...`: a thin shell over the operations and steps, grouped by subject.

Every command runs in an app context, commits once, and turns a DigestError into
one line on stderr with exit status 1.
"""

from __future__ import annotations

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


class MigrationCommands(click.Group):
    """`flask db ...`: Flask-Migrate's commands, loaded with Alembic only when one is asked for."""

    def _loaded(self, ctx: click.Context) -> click.Group:
        from digest.app import attach_migrations

        attach_migrations(ctx.ensure_object(ScriptInfo).load_app())
        from flask_migrate.cli import db as commands

        return commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._loaded(ctx).list_commands(ctx)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self._loaded(ctx).get_command(ctx, name)


migration_cli = MigrationCommands("db", help="Database migrations (Flask-Migrate / Alembic).")


def register(app: Flask) -> None:
    from digest.cli import editions, inbound, newsletters, sources, subscribers, system, users

    for module in (newsletters, sources, subscribers, editions, users, system, inbound):
        module.register(digest_cli)
    app.cli.add_command(digest_cli)
    app.cli.add_command(migration_cli)
