"""Leads files for the analyst: CSV (UTF-8 with BOM, formula-safe) and XLSX, written atomically.

Excel and WPS on Chinese Windows read a BOM-marked UTF-8 CSV correctly; crawled text must
never become a formula, so any CSV cell that a spreadsheet would evaluate is prefixed with '
(the XLSX writes every crawled cell as a text cell instead).

Exports stream from one SQL query each (crawler/leads/columns.py), so a million leads are
written at close to the speed of a plain ``SELECT`` → ``csv.writer`` dump, in constant memory.
The workbook is written by a second process, from its own connection, while this one writes
the CSV files: on two cores an export takes the longer of the two, not their sum. That process
dies with its parent (``_workbook_process``): an export killed with SIGKILL leaves no workbook writer
behind to replace leads.xlsx later. Each writer's temporary file carries its process id, so the
next write of the same file removes those whose writer is gone (``_sweep``).
"""

from __future__ import annotations

import csv
import ctypes
import io
import logging
import os
import signal
import sqlite3
import sys
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
from crawler.leads.store import BUSY_SECONDS, LeadStore
from crawler.leads.xlsx import leads_xlsx

PR_SET_PDEATHSIG = 1  # linux/prctl.h
log = logging.getLogger(__name__)


@contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """A file that replaces ``path`` in one rename when the block ends: readers see old or new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _sweep(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
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


def _sweep(path: Path) -> None:
    """Remove temporary files of ``path`` left by writers that were killed (their process is gone)."""
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        pid = stale.name.removeprefix(f".{path.name}.").split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            stale.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _workbook_process(parent: int) -> None:
    """The workbook process's start: killed when the exporting process dies, however it dies (Linux).

    Its error reaches the exporting process as one exception; what openpyxl's half-written
    streams raise again while they are collected (a full disk) is not printed beside it.
    """
    sys.unraisablehook = lambda unraisable: None
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the sweep still removes the temporary files
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


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
    with ProcessPoolExecutor(
        1, mp_context=get_context("spawn"), initializer=_workbook_process, initargs=(os.getpid(),)
    ) as workbook_process:
        workbook = workbook_process.submit(write_workbook, store.path, reports_dir / "leads.xlsx", where, params)
        total = write_csv(conn.execute(CSV_SELECT + where + ORDER, params), reports_dir / "leads.csv")
        todays_where = f"{where} AND changed_at >= ?" if where else " WHERE changed_at >= ?"
        todays = write_csv(
            conn.execute(CSV_SELECT + todays_where + ORDER, (*params, day.isoformat())),
            reports_dir / f"leads-{day.isoformat()}.csv",
        )
        repaired = workbook.result()  # its error, if any, is raised here
    if repaired:
        log.warning(
            "%d lead(s) hold characters a workbook cannot (U+FFFF, control characters), written to leads.xlsx"
            " replaced by U+FFFD: %s",
            len(repaired),
            " ".join(repaired[:20]) + (" …" if len(repaired) > 20 else ""),
        )
    return total, todays


def write_workbook(db: Path, path: Path, where: str, params: tuple) -> list[str]:
    """leads.xlsx from its own read-only connection, all sheets from one snapshot of the store.

    Returns the ids of leads written with characters replaced (see crawler/leads/xlsx.py).
    """
    conn = sqlite3.connect(db, isolation_level=None, timeout=BUSY_SECONDS)
    try:
        conn.execute("PRAGMA query_only=1")
        conn.execute("BEGIN")  # one read snapshot for every sheet
        with atomic_file(path) as handle:
            return leads_xlsx(conn, handle, where, params)
    finally:
        conn.close()
