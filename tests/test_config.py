"""Settings: a bad value is one line naming the variable, what it expects and what it got;
secrets may come from files; old secret keys are kept apart from the one that signs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import Config
from digest.errors import ConfigurationError

ROOT = Path(__file__).resolve().parents[1]
TEST_ENV = {"DIGEST_ENV": "test"}


def config(**env: str) -> Config:
    return Config({**TEST_ENV, **env})


def refusal(**env: str) -> str:
    with pytest.raises(ConfigurationError) as refused:
        config(**env)
    return str(refused.value)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DIGEST_SMTP_PORT", "abc", "a whole number from 1 to 65535, not 'abc'"),
        ("DIGEST_SMTP_PORT", "0", "a whole number from 1 to 65535, not '0'"),
        ("DIGEST_SMTP_PORT", "70000", "a whole number from 1 to 65535, not '70000'"),
        ("DIGEST_SEND_BATCH", "0", "a whole number, 1 or more, not '0'"),
        ("DIGEST_SEND_BATCH", "2.5", "a whole number, 1 or more, not '2.5'"),
        ("DIGEST_TRUSTED_PROXIES", "-1", "a whole number, 0 or more, not '-1'"),
        ("DIGEST_MAX_BODY_BYTES", "5MB", "a whole number, 1 or more, not '5MB'"),
        ("DIGEST_SMTP_TIMEOUT", "soon", "a number of seconds above 0, not 'soon'"),
        ("DIGEST_SMTP_TIMEOUT", "0", "a number of seconds above 0, not '0'"),
        ("DIGEST_RETRY_BASE_SECONDS", "nan", "a number of seconds above 0, not 'nan'"),
        ("DIGEST_SEND_RATE", "-1", "a number of messages a second, 0 or more, not '-1'"),
        ("DIGEST_SEND_LEASE_SECONDS", "inf", "a number of seconds, 0 or more, not 'inf'"),
        ("DIGEST_RATELIMIT_ENABLED", "maybe", "true or false, not 'maybe'"),
        ("DIGEST_ALLOW_PRIVATE_FETCH", "ture", "true or false, not 'ture'"),
        ("DIGEST_SMTP_SECURITY", "ssl", "one of none, starttls, tls, not 'ssl'"),
        ("DIGEST_ENV", "prod", "one of production, development, test, not 'prod'"),
        (
            "DIGEST_DATABASE_URL",
            "digest:password@db",  # not shown: a database URL may hold a password
            "a database URL, e.g. postgresql+psycopg://user:password@host/digest"
            " or sqlite:////path/digest.sqlite3",
        ),
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable_and_what_it_expects(name, value, message):
    assert refusal(**{name: value}) == f"{name} must be {message}"


def test_a_long_bad_value_is_shortened():
    message = refusal(DIGEST_SMTP_PORT="9" * 500)
    assert message.endswith("...'") and len(message) < 120


def test_unset_and_empty_variables_keep_the_defaults():
    for env in ({}, {"DIGEST_SMTP_PORT": "", "DIGEST_SEND_RATE": " ", "DIGEST_ENV": "test"}):
        settings = Config({**TEST_ENV, **env})
        assert (settings.SMTP_PORT, settings.SMTP_TIMEOUT, settings.SEND_RATE) == (8025, 30.0, 0.0)
        assert (settings.SEND_BATCH, settings.TRUSTED_PROXIES, settings.SMTP_SECURITY) == (
            200,
            0,
            "none",
        )
        assert settings.RATELIMIT_ENABLED is True and settings.ALLOW_PRIVATE_FETCH is False
        assert settings.MAX_CONTENT_LENGTH == 5 * 1024 * 1024


def test_good_values_are_read_with_their_spelling_forgiven():
    settings = config(
        DIGEST_ENV="Development",
        DIGEST_SMTP_PORT=" 587 ",
        DIGEST_SMTP_SECURITY="STARTTLS",
        DIGEST_RATELIMIT_ENABLED="off",
        DIGEST_ALLOW_PRIVATE_FETCH="Yes",
        DIGEST_SMTP_TIMEOUT="2.5",
    )
    assert (settings.SMTP_PORT, settings.SMTP_SECURITY, settings.SMTP_TIMEOUT) == (
        587,
        "starttls",
        2.5,
    )
    assert settings.RATELIMIT_ENABLED is False and settings.ALLOW_PRIVATE_FETCH is True
    assert settings.is_development


def test_a_secret_is_read_from_the_file_its_file_variable_names(tmp_path):
    key, password = tmp_path / "key", tmp_path / "password"
    key.write_text("from-a-file\n")
    password.write_text("pass word\n\n")  # only one newline is the file's end
    settings = config(
        DIGEST_SECRET_KEY_FILE=str(key),
        DIGEST_SMTP_PASSWORD_FILE=str(password),
        DIGEST_API_TOKEN_FILE=str(key),
        DIGEST_METRICS_TOKEN_FILE=str(key),
    )
    assert settings.SECRET_KEY == settings.API_TOKEN == settings.METRICS_TOKEN == "from-a-file"
    assert settings.SMTP_PASSWORD == "pass word\n"


def test_urls_that_carry_a_password_may_come_from_files_too(tmp_path):
    urls = {
        "DIGEST_DATABASE_URL": "postgresql+psycopg://digest:pw@db/digest",
        "DIGEST_BROKER_URL": "redis://:pw@redis:6379/0",
        "DIGEST_BOUNCE_MAILBOX": "imaps://bounces:pw@mail.example.org/INBOX",
    }
    for name, url in urls.items():
        (tmp_path / name).write_text(url + "\n")
    settings = config(**{f"{name}_FILE": str(tmp_path / name) for name in urls})
    read = (settings.SQLALCHEMY_DATABASE_URI, settings.BROKER_URL, settings.BOUNCE_MAILBOX)
    assert read == tuple(urls.values())


def test_the_metrics_token_may_be_set_directly():
    assert config(DIGEST_METRICS_TOKEN="m3trics").METRICS_TOKEN == "m3trics"
    assert config().METRICS_TOKEN is None


def test_a_secret_and_its_file_both_set_is_refused_without_showing_the_secret(tmp_path):
    path = tmp_path / "token"
    path.write_text("from-a-file")
    message = refusal(DIGEST_API_TOKEN="typed-in-secret", DIGEST_API_TOKEN_FILE=str(path))
    assert message == "set DIGEST_API_TOKEN or DIGEST_API_TOKEN_FILE, not both"


def test_a_missing_secret_file_names_its_variable_and_path(tmp_path):
    path = tmp_path / "nowhere"
    message = refusal(DIGEST_SMTP_PASSWORD_FILE=str(path))
    assert message == (
        f"DIGEST_SMTP_PASSWORD_FILE names a file digest cannot read: {path} "
        "(No such file or directory)"
    )


def test_an_empty_or_binary_secret_file_is_refused_without_its_contents(tmp_path):
    empty, binary = tmp_path / "empty", tmp_path / "binary"
    empty.write_text("\n")
    binary.write_bytes(b"\xffsecret\xfe")
    assert refusal(DIGEST_SECRET_KEY_FILE=str(empty)) == (
        f"DIGEST_SECRET_KEY_FILE names an empty file: {empty}"
    )
    message = refusal(DIGEST_SECRET_KEY_FILE=str(binary))
    assert message == f"DIGEST_SECRET_KEY_FILE names a file that is not UTF-8 text: {binary}"


def test_old_keys_are_listed_apart_from_the_key_that_signs(tmp_path):
    settings = config(DIGEST_SECRET_KEY="new", DIGEST_SECRET_KEY_FALLBACKS=" old , older,,new,old")
    assert settings.SECRET_KEY == "new"
    assert settings.SECRET_KEY_FALLBACKS == ["old", "older"]
    path = tmp_path / "old-keys"
    path.write_text("old\nolder\n")
    from_file = config(DIGEST_SECRET_KEY="new", DIGEST_SECRET_KEY_FALLBACKS_FILE=str(path))
    assert from_file.SECRET_KEY_FALLBACKS == ["old", "older"]
    assert config().SECRET_KEY_FALLBACKS == []


def test_the_cli_with_a_bad_port_says_so_in_one_line_and_exits_non_zero(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")}
    env |= {
        "DIGEST_ENV": "test",
        "DIGEST_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        "DIGEST_SMTP_PORT": "abc",
    }
    flask = Path(sys.executable).with_name("flask")
    done = subprocess.run(
        [str(flask), "--app", "wsgi", "digest", "--help"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        "digest: DIGEST_SMTP_PORT must be a whole number from 1 to 65535, not 'abc'"
    ]
