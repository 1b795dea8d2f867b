"""Cells of an exported CSV are shown by spreadsheets as typed, never evaluated."""

from __future__ import annotations

import pytest

from digest.audience.exports import csv_chunks, from_spreadsheet_cell, spreadsheet_cell


@pytest.mark.parametrize("typed", ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "'=x"])
def test_a_cell_a_spreadsheet_would_evaluate_starts_with_a_quote(typed):
    safe = spreadsheet_cell(typed)
    assert safe == "'" + typed or typed.startswith("'")
    assert not safe.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert from_spreadsheet_cell(safe) == typed


@pytest.mark.parametrize("typed", ["ann@example.org", "Ann O'Neil", "'quoted'", "", "2024-01-01"])
def test_an_ordinary_cell_is_written_as_it_is(typed):
    assert spreadsheet_cell(typed) == typed == from_spreadsheet_cell(typed)


def test_every_cell_of_every_row_is_made_safe():
    text = "".join(csv_chunks([["a", "=b"], [None, -3]], chunk_rows=1))
    assert text.splitlines() == ["a,'=b", ",'-3"]
