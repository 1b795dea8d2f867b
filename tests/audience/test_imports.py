"""CSV imports of any common encoding, delimiter or size: bad rows reported by line, the rest
imported."""

from __future__ import annotations

import codecs
import io

import pytest
from sqlalchemy import select

from digest.audience import ImportReport, import_csv
from digest.extensions import db
from digest.models import Subscriber, Subscription
from tests.support.factories import make_newsletter

ROWS = "email,name\nzoe@example.org,Zoë Ñandú\nbob@example.org,Bob\n"


def run_import(runner, path):
    return runner.invoke(
        args=["digest", "subscribers", "import", str(path), "--newsletter", "city"]
    )


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252"])
def test_common_encodings_are_read(app, runner, tmp_path, encoding):
    make_newsletter()
    path = tmp_path / "people.csv"
    path.write_bytes(ROWS.encode(encoding))
    result = run_import(runner, path)
    assert result.exit_code == 0, result.output
    names = set(db.session.scalars(select(Subscriber.name)))
    assert names == {"Zoë Ñandú", "Bob"}


def test_a_huge_field_is_a_bad_row_and_the_rest_is_imported(app, runner, tmp_path):
    make_newsletter()
    path = tmp_path / "people.csv"
    huge = "x" * 200_000
    path.write_text(f"email,name\na@example.org,A\nb@example.org,{huge}\nc@example.org,C\n")
    result = run_import(runner, path)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "line 3: unreadable row" in result.output
    emails = set(db.session.scalars(select(Subscriber.email)))
    assert emails == {"a@example.org", "c@example.org"}


def test_a_topic_the_newsletter_does_not_offer_is_reported_and_the_row_kept(app, runner, tmp_path):
    make_newsletter(topic_choices=["Ferries", "Weather"])
    path = tmp_path / "people.csv"
    path.write_text(
        "email,name,topics\n"
        "ann@example.org,Ann,ferries; Gardening\n"
        "ben@example.org,Ben,Weather\n"
        "cy@example.org,Cy,Cats|Dogs\n"
    )
    result = run_import(runner, path)
    assert result.exit_code == 0, result.output
    assert "3 added" in result.output
    assert "line 2: topic 'Gardening' is not offered by City Digest" in result.output
    assert "line 4: topics 'Cats', 'Dogs' are not offered" in result.output
    assert "line 3" not in result.output
    topics = dict(
        db.session.execute(
            select(Subscriber.email, Subscription.topics).join(Subscription.subscriber)
        ).all()
    )
    assert topics == {
        "ann@example.org": ["Ferries"],
        "ben@example.org": ["Weather"],
        "cy@example.org": [],
    }


def test_lone_surrogates_in_a_utf16_file_are_cleaned_and_the_rest_is_imported(
    app, runner, tmp_path
):
    make_newsletter()
    path = tmp_path / "people.csv"
    text = "email,name\nzoe@example.org,Zo\udc80\nb\ud800ob@example.org,Bob\nal@example.org,Al\n"
    path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le", "surrogatepass"))
    result = run_import(runner, path)
    assert "Traceback" not in result.output and "line 3:" in result.output
    names = set(db.session.scalars(select(Subscriber.name)))
    assert names == {"Zo\ufffd", "Al"}


def test_lone_surrogates_in_rows_given_as_text_are_cleaned(app):
    rows = io.StringIO("email,name\nzoe@example.org,Zo\udc80\n", newline="")
    report = import_csv(make_newsletter(), rows, needs_confirmation=False)
    db.session.commit()
    assert report.added == 1 and report.errors == []
    assert db.session.scalars(select(Subscriber.name)).one() == "Zo\ufffd"


def import_text(text: str, **newsletter) -> ImportReport:
    rows = io.StringIO(text, newline="")
    report = import_csv(make_newsletter(**newsletter), rows, needs_confirmation=False)
    db.session.commit()
    return report


def stored_names() -> dict[str, str | None]:
    return dict(db.session.execute(select(Subscriber.email, Subscriber.name)).all())


def test_a_semicolon_file_from_excel_with_a_bom_and_crlf_line_ends_is_read(app, runner, tmp_path):
    make_newsletter()
    path = tmp_path / "people.csv"
    text = ' Email ;Name\r\nzoe@example.org;"Ñandú; Zoë"\r\nbob@example.org;Bob\r\n'
    path.write_bytes(codecs.BOM_UTF8 + text.encode())
    result = run_import(runner, path)
    assert result.exit_code == 0, result.output
    assert "2 added" in result.output
    assert stored_names() == {"zoe@example.org": "Ñandú; Zoë", "bob@example.org": "Bob"}


def test_a_tab_separated_file_is_read(app):
    report = import_text('"email"\t"name"\nzoe@example.org\tZoë, Ñandú\nbob@example.org\tBob\n')
    assert report.added == 2 and report.errors == []
    assert stored_names() == {"zoe@example.org": "Zoë, Ñandú", "bob@example.org": "Bob"}


def test_quoted_fields_hold_the_delimiter_and_a_newline_and_lines_stay_counted(app):
    report = import_text(
        "email,name,topics\n"
        'ann@example.org,"Smith, Ann","Ferries,\nGardening"\n'  # lines 2 and 3
        "not-an-address,Bob,\n",
        topic_choices=["Ferries", "Weather"],
    )
    assert report.added == 1 and stored_names() == {"ann@example.org": "Smith, Ann"}
    assert report.left_out_topics == [
        "line 2: topic 'Gardening' is not offered by City Digest: imported without it"
    ]
    assert len(report.errors) == 1
    assert report.errors[0].startswith("line 4: not an email address: 'not-an-address'")


MISQUOTED = {  # line 3 of each file, then lines 4 and 5
    "never closed": 'bob@example.org,"Bob\ncid@example.org,Cid\ndan@example.org,Dan\n',
    "text after the closing quote": 'bob@example.org,"Bob" Smith\ncid@example.org,Cid\n'
    "dan@example.org,Dan\n",
    "closed lines later": 'bob@example.org,"Bob\ncid@example.org,Cid\ndan@example.org,"Dan"\n',
}


@pytest.mark.parametrize("rest", MISQUOTED.values(), ids=MISQUOTED.keys())
def test_a_misquoted_line_is_reported_on_its_line_and_the_rest_imported(app, rest):
    report = import_text(f"email,name\nann@example.org,Ann\n{rest}")
    assert len(report.errors) == 1 and report.errors[0].startswith("line 3: unreadable row")
    assert stored_names() == {
        "ann@example.org": "Ann",
        "cid@example.org": "Cid",
        "dan@example.org": "Dan",
    }
