"""`digest users create`: accounts for the editor and admin pages."""

from __future__ import annotations

import click

from digest.errors import InvalidInput
from digest.extensions import db


@click.group("users")
def users_group() -> None:
    """Accounts for the editor and admin pages."""


@users_group.command("create")
@click.argument("email")
@click.option("--password", help="Asked for (twice) when not given.")
@click.option("--admin", "is_admin", is_flag=True, help="May also use the admin pages.")
def create(email: str, password: str | None, is_admin: bool) -> None:
    """Create an editor (or --admin) account."""
    from digest import accounts

    accounts.check_new_user(email)  # a taken or malformed address fails before any prompt
    if password is None:
        password = click.prompt("Password", hide_input=True)
        accounts.check_password(password)  # too short fails before it is asked for again
        if click.prompt("Repeat the password", hide_input=True) != password:
            raise InvalidInput("the two passwords differ")
    role = accounts.Role.ADMIN if is_admin else accounts.Role.EDITOR
    user = accounts.create_user(email, password, role)
    db.session.commit()
    click.echo(f"created {role.value} {user.email}")


def register(group: click.Group) -> None:
    group.add_command(users_group)
