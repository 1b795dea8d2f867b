"""`build`, `preview` and `send` as a user runs them: counts in words, states refused in one line,
the edition as one reader gets it."""

from __future__ import annotations

from tests.support.cli import run_ok
from tests.support.pipeline import ARTICLES


def test_build_counts_one_article_in_one_story(runner, tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "harbour.txt").write_text(ARTICLES["harbour.txt"], encoding="utf-8")
    run_ok(runner, "newsletter", "create", "city", "--title", "City")
    run_ok(runner, "import", str(folder), "--newsletter", "city")
    output = run_ok(runner, "build", "city").splitlines()
    assert output[-2].endswith(": 1 article in 1 story")
