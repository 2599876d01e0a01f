"""The leads file: formula-safe cells, BOM, atomic replacement."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from crawler.leads.export import LEAD_COLUMNS, leads_csv, safe_cell, write_atomic


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_cells_that_a_spreadsheet_would_evaluate_are_escaped(start: str) -> None:
    assert safe_cell(start + 'HYPERLINK("http://x")') == "'" + start + 'HYPERLINK("http://x")'


@pytest.mark.parametrize("value", ["一对一数学", "150元/小时", "", "a=b", "13800001234"])
def test_ordinary_cells_are_unchanged(value: str) -> None:
    assert safe_cell(value) == value


def test_hostile_row_round_trips_as_inert_text() -> None:
    row = dict.fromkeys((*LEAD_COLUMNS, "content_hash", "verdict_hash", "evidence_file", "evidence_offset"), "")
    row["lead_id"] = "L1"
    row.update(
        title='=HYPERLINK("http://evil","点我")',
        notes="+cmd|' /C calc'!A0",
        publisher="@SUM(A1)",
        body_never_exported="x",
        score=0.9,
    )
    data = leads_csv([row])
    assert data.startswith("\ufeff".encode())
    parsed = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert parsed[0]["title"] == '\'=HYPERLINK("http://evil","点我")'
    assert parsed[0]["notes"].startswith("'+")
    assert parsed[0]["publisher"] == "'@SUM(A1)"
    assert parsed[0]["score"] == "0.90"


def test_atomic_write_replaces_whole_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "leads.csv"
    target.write_bytes(b"old")
    write_atomic(target, b"new contents")
    assert target.read_bytes() == b"new contents"
    assert [p.name for p in tmp_path.iterdir()] == ["leads.csv"]
