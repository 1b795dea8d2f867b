"""`digest ...`, the console script an installed digest provides.

It holds the same commands as `flask --app wsgi digest ...`, at the top level (`digest send 3`),
beside Flask-Migrate's `digest db upgrade` and Flask's own `run`, `shell` and `routes`. The app
is built from the DIGEST_* environment, whatever the current directory.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo

from digest.cli import DigestGroup, add_commands, digest_cli

UNUSABLE = "digest.unusable_settings"  # ctx.meta: why the app could not be built, or None


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
        if name not in self.commands and not self._settings_usable(ctx):
            return digest_cli.get_command(ctx, name)  # for the help; running it says why not
        return digest_cli.get_command(ctx, name) or super().get_command(ctx, name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        if not self._settings_usable(ctx):  # only the help lists commands: say why they'd fail
            click.echo(f"{ctx.meta[UNUSABLE]} (commands need it; --help does not)", err=True)
            return sorted({*digest_cli.list_commands(ctx), *self.commands} - {digest_cli.name})
        names = {*digest_cli.list_commands(ctx), *super().list_commands(ctx)}
        return sorted(names - {digest_cli.name})

    def _settings_usable(self, ctx: click.Context) -> bool:
        """Build the app (which registers digest's commands); with unusable settings, keep
        the reason and register the commands anyway, so `digest --help` works on a fresh install."""
        if UNUSABLE not in ctx.meta:
            try:
                ctx.ensure_object(ScriptInfo).load_app()
                ctx.meta[UNUSABLE] = None
            except SystemExit as unusable:
                ctx.meta[UNUSABLE] = str(unusable)
                add_commands(digest_cli)
        return ctx.meta[UNUSABLE] is None


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
