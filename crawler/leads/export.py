"""Leads files for the analyst: UTF-8 CSV with BOM, formula-safe, written atomically.

Excel and WPS on Chinese Windows read a BOM-marked UTF-8 CSV correctly; crawled text must
never become a formula, so any cell that a spreadsheet would evaluate is prefixed with '.
"""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import tempfile
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from crawler.leads.store import LeadStore

LEAD_COLUMNS: tuple[str, ...] = (
    "lead_id",
    "first_seen",
    "last_seen",
    "site",
    "platform",
    "url",
    "title",
    "publisher",
    "contact",
    "city",
    "district",
    "price",
    "posted_at",
    "categories",
    "rules",
    "matched_text",
    "basis",
    "score",
    "status",
    "notes",
    "times_seen",
    "changed_at",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A cell's text that no spreadsheet evaluates: formula starts get a leading apostrophe."""
    text = "" if value is None else (f"{value:.2f}" if isinstance(value, float) else str(value))
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one rename: readers see the old file or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def leads_csv(rows: Iterable[sqlite3.Row | dict]) -> bytes:
    """The leads as CSV bytes, columns in LEAD_COLUMNS order."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(LEAD_COLUMNS)
    for row in rows:
        writer.writerow([safe_cell(row[column]) for column in LEAD_COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")


def export_leads(all_rows: list, todays_rows: list, reports_dir: Path, day: date) -> tuple[Path, Path]:
    """Write reports/leads.csv (cumulative) and reports/leads-YYYY-MM-DD.csv (new or changed that day)."""
    cumulative = reports_dir / "leads.csv"
    daily = reports_dir / f"leads-{day.isoformat()}.csv"
    write_atomic(cumulative, leads_csv(all_rows))
    write_atomic(daily, leads_csv(todays_rows))
    return cumulative, daily


def export_store(store: LeadStore, reports_dir: Path, day: date | None = None) -> tuple[int, int]:
    """Both leads files from the store's current state (re-running writes the same files); their row counts."""
    day = day or date.today()
    everything, todays = store.leads(), store.leads(changed_since=day.isoformat())
    export_leads(everything, todays, reports_dir, day)
    return len(everything), len(todays)
