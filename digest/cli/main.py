"""`digest ...`, the console script an installed digest provides.

It holds the same commands as `flask --app wsgi digest ...`, at the top level (`digest send 3`),
beside Flask-Migrate's `digest db upgrade` and Flask's own `run`, `shell` and `routes`. The app
is built from the DIGEST_* environment, whatever the current directory.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo

from digest.cli import DigestGroup, digest_cli


def load_app() -> Flask:
    from digest.app import create_app_or_exit  # the factory loads when a command needs the app

    return create_app_or_exit()


class DigestCommand(DigestGroup, FlaskGroup):
    """The root group: digest's commands first, then the app's (`db`) and Flask's."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        # The app is digest's, from the DIGEST_* environment: no --app, no .env file.
        self.params = [p for p in self.params if p.name not in {"app", "env_file"}]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands:  # Flask's own commands need no app to be found
            ctx.ensure_object(ScriptInfo).load_app()  # registers digest's commands
        return digest_cli.get_command(ctx, name) or super().get_command(ctx, name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        ctx.ensure_object(ScriptInfo).load_app()
        names = {*digest_cli.list_commands(ctx), *super().list_commands(ctx)}
        return sorted(names - {digest_cli.name})


def main() -> None:
    cli = DigestCommand(
        name="digest",
        help="Build and deliver newsletter digests.",
        create_app=load_app,
        add_version_option=False,
        load_dotenv=False,
        set_debug_flag=False,
    )
    cli.main(prog_name="digest")
