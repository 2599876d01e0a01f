"""Leads files for the analyst: CSV (UTF-8 with BOM, formula-safe) and XLSX, written atomically.

Excel and WPS on Chinese Windows read a BOM-marked UTF-8 CSV correctly; crawled text must
never become a formula, so any CSV cell that a spreadsheet would evaluate is prefixed with '
(the XLSX writes every crawled cell as a text cell instead).

Exports stream from one SQL query each (crawler/leads/columns.py), so a million leads are
written at close to the speed of a plain ``SELECT`` → ``csv.writer`` dump, in constant memory.
The workbook is written by a second process, from its own connection, while this one writes
the CSV files: on two cores an export takes the longer of the two, not their sum.
"""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import date
from multiprocessing import get_context
from pathlib import Path
from typing import BinaryIO

from crawler.leads.columns import CSV_SELECT, LEAD_COLUMNS, ORDER
from crawler.leads.filters import Filters
from crawler.leads.store import LeadStore
from crawler.leads.xlsx import leads_xlsx


@contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """A file that replaces ``path`` in one rename when the block ends: readers see old or new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp's 0600 would hide the reports from the analysts' accounts
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    """The process umask (reading it means setting it, so it is set straight back)."""
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically."""
    with atomic_file(path) as handle:
        handle.write(data)


def write_csv(rows: Iterable[tuple], path: Path) -> int:
    """Rows already in LEAD_COLUMNS order and escaped, as UTF-8-with-BOM CSV; returns the row count."""
    count = 0
    with atomic_file(path) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(LEAD_COLUMNS)
        for row in rows:
            writer.writerow(row)
            count += 1
        text.flush()
        text.detach()  # the raw file is closed (and renamed) by atomic_file
    return count


def export_store(
    store: LeadStore, reports_dir: Path, day: date | None = None, chosen: Filters | None = None
) -> tuple[int, int]:
    """The leads files from the store's current state (re-running writes the same files); their row counts.

    reports/leads.csv holds every lead that passes ``chosen``, leads.xlsx the highest-scoring of
    them (up to xlsx.XLSX_MAX_ROWS), leads-YYYY-MM-DD.csv those first found or changed that day.
    """
    day = day or date.today()
    where, params = (chosen or Filters()).where()
    store.commit()  # the workbook's process reads what is committed
    conn: sqlite3.Connection = store.conn
    # spawn, not fork: the crawl that calls this has threads and an open connection.
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as workbook_process:
        workbook = workbook_process.submit(write_workbook, store.path, reports_dir / "leads.xlsx", where, params)
        total = write_csv(conn.execute(CSV_SELECT + where + ORDER, params), reports_dir / "leads.csv")
        todays_where = f"{where} AND changed_at >= ?" if where else " WHERE changed_at >= ?"
        todays = write_csv(
            conn.execute(CSV_SELECT + todays_where + ORDER, (*params, day.isoformat())),
            reports_dir / f"leads-{day.isoformat()}.csv",
        )
        workbook.result()  # its error, if any, is raised here
    return total, todays


def write_workbook(db: Path, path: Path, where: str, params: tuple) -> None:
    """leads.xlsx from its own read-only connection, all sheets from one snapshot of the store."""
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("PRAGMA query_only=1")
        conn.execute("BEGIN")  # one read snapshot for every sheet
        with atomic_file(path) as handle:
            leads_xlsx(conn, handle, where, params)
    finally:
        conn.close()
