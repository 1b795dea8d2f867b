"""Accounts: roles, strong enough passwords, one account per address, one answer for any mistake."""

from __future__ import annotations

import pytest

from digest import accounts
from digest.accounts import Role
from digest.errors import AlreadyExists, InvalidInput
from digest.extensions import db

PASSWORD = "correct horse battery"


def test_an_editor_and_an_admin_have_their_roles(app):
    editor = accounts.create_user("Ed@Example.org", PASSWORD)
    admin = accounts.create_user("ada@example.org", PASSWORD, Role.ADMIN)
    db.session.commit()
    assert editor.email == "ed@example.org"
    assert accounts.has_role(editor, Role.EDITOR) and not accounts.has_role(editor, Role.ADMIN)
    assert accounts.has_role(admin, Role.EDITOR) and accounts.has_role(admin, Role.ADMIN)


def test_a_short_password_and_a_taken_address_are_refused(app):
    with pytest.raises(InvalidInput, match="at least 12"):
        accounts.create_user("ed@example.org", "12345")
    accounts.create_user("ed@example.org", PASSWORD)
    db.session.commit()
    with pytest.raises(AlreadyExists):
        accounts.check_new_user("ED@example.org")
    with pytest.raises(InvalidInput, match="not an email address"):
        accounts.check_new_user("not-an-address")


def test_authentication_gives_the_same_answer_for_either_mistake(app):
    accounts.create_user("ed@example.org", PASSWORD)
    db.session.commit()
    assert accounts.authenticate(" Ed@example.org ", PASSWORD).email == "ed@example.org"
    assert accounts.authenticate("ed@example.org", "wrong password") is None
    assert accounts.authenticate("nobody@example.org", PASSWORD) is None


def test_an_unknown_address_costs_a_password_check_too(app, monkeypatch):
    checked = []
    real = accounts.check_password_hash
    monkeypatch.setattr(
        accounts, "check_password_hash", lambda h, p: checked.append(h) or real(h, p)
    )
    assert accounts.authenticate("nobody@example.org", PASSWORD) is None
    assert len(checked) == 1  # the same work as for a known address with a wrong password


def test_a_user_whose_address_has_more_than_64_characters_before_the_at_is_refused(app):
    for address in ("a" * 65 + "@example.org", "a" * 65 + "@localhost"):
        with pytest.raises(InvalidInput, match="more than 64 characters before the @"):
            accounts.create_user(address, PASSWORD)
