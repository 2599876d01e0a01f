"""The leads file: formula-safe cells, BOM, atomic replacement."""

from __future__ import annotations

import csv
import io
import os
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.extraction.listing import Listing
from crawler.leads.columns import safe_cell, safe_sql
from crawler.leads.export import export_store, write_atomic
from crawler.leads.store import LeadStore
from detectors import analyze


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_cells_that_a_spreadsheet_would_evaluate_are_escaped(start: str) -> None:
    assert safe_cell(start + 'HYPERLINK("http://x")') == "'" + start + 'HYPERLINK("http://x")'


@pytest.mark.parametrize("value", ["一对一数学", "150元/小时", "", "a=b", "13800001234"])
def test_ordinary_cells_are_unchanged(value: str) -> None:
    assert safe_cell(value) == value


def test_hostile_row_round_trips_as_inert_text(tmp_path: Path) -> None:
    listing = Listing(
        "http://127.0.0.1:1/p/1", "", "s", "tutoring", '=HYPERLINK("http://evil","点我")', "初中数学一对一，老师上门"
    )
    listing = replace(listing, publisher="@SUM(A1)", contact="\t13800001234", price="-5")
    with LeadStore(tmp_path / "db.sqlite") as store:
        store.upsert(listing, analyze(listing.title, listing.body, listing.platform))
        store.conn.execute("UPDATE leads SET notes = ?", ("+cmd|' /C calc'!A0",))
        export_store(store, tmp_path)
    data = (tmp_path / "leads.csv").read_bytes()
    assert data.startswith("\ufeff".encode())
    [parsed] = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert parsed["title"] == '\'=HYPERLINK("http://evil","点我")'
    assert parsed["notes"].startswith("'+")
    assert parsed["publisher"] == "'@SUM(A1)"
    assert parsed["contact"] == "'\t13800001234" and parsed["price"] == "'-5"
    assert float(parsed["score"]) > 0.5 and len(parsed["score"].split(".")[1]) == 2


@given(st.text(max_size=12))
def test_sql_escaping_is_safe_cell(value: str) -> None:
    """The SQL the exports use escapes exactly as safe_cell does, for any text."""
    with sqlite3.connect(":memory:") as conn:
        [(escaped,)] = conn.execute(f"SELECT {safe_sql('x')} FROM (SELECT ? AS x)", (value,)).fetchall()
    assert escaped == safe_cell(value)


def test_atomic_write_replaces_whole_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "leads.csv"
    target.write_bytes(b"old")
    write_atomic(target, b"new contents")
    assert target.read_bytes() == b"new contents"
    assert [p.name for p in tmp_path.iterdir()] == ["leads.csv"]


def test_atomic_write_gives_the_mode_a_plain_open_would(tmp_path: Path) -> None:
    """Reports written by the cron user stay readable by the analysts, as the umask allows."""
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "report.html", b"x")
    finally:
        os.umask(old)
    assert (tmp_path / "report.html").stat().st_mode & 0o777 == 0o644
