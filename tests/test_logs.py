"""digest/logs.py: one setup for every process, one line per event with its subject, in text or
JSON, and never a secret or a link's token."""

from __future__ import annotations

import json
import logging

import pytest

from config import Config
from digest.errors import ConfigurationError
from digest.logs import DigestHandler, configure_logging, log_context
from tests.support.logs import captured_logs

log = logging.getLogger("digest.test")


def test_a_text_line_has_the_time_level_logger_subject_and_message():
    with captured_logs("INFO", "text") as stream:
        log.info("sent %d", 300, extra={"edition": 12, "job": "service mail"})
    line = stream.getvalue()
    moment, rest = line.split(" ", 1)
    assert moment.endswith("Z") and "T" in moment
    assert rest == 'INFO digest.test job="service mail" edition=12 sent 300\n'


def test_json_lines_are_one_object_each_with_the_subject_as_fields():
    with captured_logs("INFO", "json") as stream:
        log.info("sent %d", 300, extra={"edition": 12})
        try:
            raise ValueError("bad\nvalue")
        except ValueError:
            log.exception("it broke\non two lines")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first == {
        "time": first["time"],
        "level": "INFO",
        "logger": "digest.test",
        "message": "sent 300",
        "edition": 12,
    }
    assert second["message"] == "it broke\non two lines"
    assert "ValueError: bad" in second["exception"]


def test_a_text_message_is_one_line_with_control_characters_escaped_and_the_traceback_below():
    with captured_logs("INFO", "text") as stream:
        try:
            raise ValueError("bad")
        except ValueError:
            log.exception("first\nsecond\x1b[31m")
    head, *trace = stream.getvalue().splitlines()
    assert head.endswith("first\\nsecond\\x1b[31m")
    assert trace and all(line.startswith("    ") for line in trace)


def test_lines_inside_a_context_carry_its_fields_and_their_own_win():
    with captured_logs("INFO", "json") as stream:
        with log_context(request="r-1", edition=1):
            log.info("inside", extra={"edition": 2})
        log.info("outside")
    inside, outside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert (inside["request"], inside["edition"]) == ("r-1", 2)
    assert "request" not in outside and "edition" not in outside


def test_only_the_known_fields_are_written():
    with captured_logs("INFO", "json") as stream:
        log.info("hello", extra={"password": "hunter22", "edition": 3})
    assert set(json.loads(stream.getvalue())) == {"time", "level", "logger", "message", "edition"}


def test_secrets_and_link_tokens_are_masked_in_messages_fields_and_tracebacks():
    secret = 'pa"ss\\word-1'  # JSON escapes it: masked before quoting
    with captured_logs("INFO", "json") as stream:
        configure_logging("INFO", "json", [secret], ["/unsubscribe/", "/admin/invite/"])
        log.info("POST /unsubscribe/abc.DEF_12-x?x=1 with %s", secret, extra={"job": secret})
        log.info("see https://digest.test/news/admin/invite/tok.en/ now")
        try:
            raise RuntimeError(f"login failed for {secret}")
        except RuntimeError:
            log.exception("smtp")
    logged = stream.getvalue()
    assert 'pa\\"ss' not in logged and "ss\\\\word" not in logged
    first, second, third = (json.loads(line) for line in logged.splitlines())
    assert first["message"] == "POST /unsubscribe/…?x=1 with [redacted]"
    assert first["job"] == "[redacted]"
    assert second["message"] == "see https://digest.test/news/admin/invite/…/ now"
    assert "login failed for [redacted]" in third["exception"]


def test_a_short_secret_masks_nothing():
    with captured_logs("INFO", "text") as stream:
        configure_logging("INFO", "text", ["x"])
        log.info("a line of text")
    assert stream.getvalue().endswith("a line of text\n")


def test_configuring_again_updates_the_one_handler():
    with captured_logs("INFO", "text") as stream:
        configure_logging("WARNING", "json")
        configure_logging("WARNING", "json")
        ours = [h for h in logging.getLogger().handlers if isinstance(h, DigestHandler)]
        log.info("not shown")
        log.warning("shown")
    assert len(ours) == 1
    assert json.loads(stream.getvalue())["message"] == "shown"


def test_protocol_tracing_loggers_stay_quiet_even_at_debug():
    with captured_logs("DEBUG", "text") as stream:
        logging.getLogger("mail.log").info("%r >> %r", "peer", b"AUTH PLAIN c2VjcmV0")
        logging.getLogger("sqlalchemy.engine.Engine").info("[parameters] ('secret',)")
        logging.getLogger("urllib3.connectionpool").debug('"GET /feed?key=k HTTP/1.1" 200')
        log.debug("ours")
    assert stream.getvalue().splitlines()[0].endswith("digest.test ours")
    assert len(stream.getvalue().splitlines()) == 1


def test_the_app_masks_its_secret_settings_and_the_token_of_every_token_route(make_app):
    with captured_logs("INFO", "text") as stream:
        make_app(smtp_password="smtp-password-1", bounce_mailbox="imaps://u:mb%40pass@h/INBOX")
        log.info("login smtp-password-1 to imaps://u:mb%40pass@h/INBOX (mb@pass)")
        log.info("GET /admin/invite/abc.def /confirm/x1 /preferences/y2/ /unsubscribe/z3")
    first, second = (line.split(" ", 3)[3] for line in stream.getvalue().splitlines())
    assert first == "login [redacted] to imaps://u:[redacted]@h/INBOX ([redacted])"
    assert second == "GET /admin/invite/… /confirm/… /preferences/…/ /unsubscribe/…"


@pytest.mark.parametrize(
    ("variable", "value"),
    [("DIGEST_LOG_LEVEL", "verbose"), ("DIGEST_LOG_FORMAT", "xml")],
)
def test_a_bad_log_setting_is_one_line_naming_it(variable, value):
    with pytest.raises(ConfigurationError) as raised:
        Config({"DIGEST_ENV": "test", variable: value})
    assert str(raised.value).startswith(f"{variable} must be one of ")
    assert "\n" not in str(raised.value)


def test_log_settings_default_to_info_and_text_and_take_any_case():
    assert (
        Config({"DIGEST_ENV": "test"}).LOG_LEVEL,
        Config({"DIGEST_ENV": "test"}).LOG_FORMAT,
    ) == (
        "INFO",
        "text",
    )
    config = Config(
        {"DIGEST_ENV": "test", "DIGEST_LOG_LEVEL": "debug", "DIGEST_LOG_FORMAT": "JSON"}
    )
    assert (config.LOG_LEVEL, config.LOG_FORMAT) == ("DEBUG", "json")
