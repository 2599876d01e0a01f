"""Leads files: CSV (UTF-8 with BOM, formula-safe) for tools, and the workbooks for people, written atomically.

Excel and WPS on Chinese Windows read a BOM-marked UTF-8 CSV correctly; crawled text must
never become a formula, so any CSV cell that a spreadsheet would evaluate is prefixed with '
(the XLSX writes every crawled cell as a text cell instead).

An export writes, in its folder (reports/, or reports/<地区>/ for a county):
- leads.csv (every lead) and leads-YYYY-MM-DD.csv (new or changed that day): the CSV contract;
- leads.xlsx: a read-only view, rewritten every time;
- 待研判/线索-<地区>-<日期>.xlsx: the analyst's own workbook, a new file under a name of its own
  (-2, -3 … when the name is taken), never overwritten, so a verdict typed into an earlier file
  is never lost. Every workbook carries its export id and time, and is recorded in the store.

Exports stream from one SQL query each (crawler/leads/queries.py), so a million leads are
written at close to the speed of a plain ``SELECT`` → ``csv.writer`` dump, in constant memory.
The workbooks are written by a second process, from its own connection, while this one writes
the CSV files: on two cores an export takes the longer of the two, not their sum. That process
dies with its parent (``_workbook_process``): an export killed with SIGKILL leaves no workbook writer
behind to replace leads.xlsx later. Each writer's temporary file carries its process id, so the
next write of the same file removes those whose writer is gone (``_sweep``).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import secrets
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from itertools import count
from multiprocessing import get_context
from pathlib import Path
from typing import BinaryIO, TypeVar

from crawler.leads.columns import LEAD_COLUMNS
from crawler.leads.filters import Filters
from crawler.leads.localtime import DEFAULT_TZ
from crawler.leads.store import BUSY_SECONDS, LeadStore, now
from crawler.leads.workbook_spec import WorkbookSpec, Written
from crawler.runs.parent_death import die_with_parent

ALL = "全部"  # the scope of an export without --region
REVIEW_FOLDER = "待研判"
T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExportSettings:
    """How exports are written, chosen at the CLI edge."""

    tz: str = DEFAULT_TZ  # the time zone of the dates people read
    site_names: dict[str, str] = field(default_factory=dict)  # site id → its configured name
    workbook: str = "never"  # always | if-new | never: whether the analyst gets a new workbook


@dataclass(frozen=True)
class Exported:
    folder: Path
    total: int  # leads in leads.csv
    todays: int  # leads in today's file
    workbook: Path | None  # the analyst's new workbook, when one was written
    workbook_leads: int


@contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """A file that replaces ``path`` in one rename when the block ends: readers see old or new, never half."""
    with _temp_file(path) as (handle, tmp):
        yield handle
    os.replace(tmp, path)


@contextmanager
def _temp_file(path: Path) -> Iterator[tuple[BinaryIO, str]]:
    """A flushed, synced temp file beside ``path`` (removed if the block fails or leaves it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _sweep(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp's 0600 would hide the reports from the analysts' accounts
        with os.fdopen(fd, "wb") as handle:
            yield handle, tmp
            handle.flush()
            os.fsync(handle.fileno())
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
    die_with_parent(parent)  # elsewhere than Linux, the sweep still removes the temporary files


def write_new(wanted: Path, write: Callable[[BinaryIO], T]) -> tuple[Path, T]:
    """Write a file that takes ``wanted``'s name, or ``<stem>-2``, ``-3`` … when taken: it never replaces one.

    The file is complete before it gets its name (a hard link from the temp file claims the first
    free name atomically, so two exports at once cannot take the same one).
    """
    with _temp_file(wanted) as (handle, tmp):
        result = write(handle)
    try:
        for number in count(1):
            path = wanted if number == 1 else wanted.with_name(f"{wanted.stem}-{number}{wanted.suffix}")
            try:
                os.link(tmp, path)
                return path, result
            except FileExistsError:
                continue
    finally:
        Path(tmp).unlink(missing_ok=True)
    raise AssertionError("unreachable")


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
    written = 0
    with atomic_file(path) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(LEAD_COLUMNS)
        for row in rows:
            writer.writerow(row)
            written += 1
        text.flush()
        text.detach()  # the raw file is closed (and renamed) by atomic_file
    return written


def scope_of(region: str | None) -> str:
    """The name a region's files and folder go by (全部 for every lead); ValueError for a name no folder can have."""
    if not region:
        return ALL
    if any(c in region for c in '/\\:*?"<>|') or region.startswith(".") or not region.isprintable():
        raise ValueError(f'{region!r} cannot name a folder (no / \\ : * ? " < > | or leading dot)')
    return region


def export_folder(reports_dir: Path, region: str | None) -> Path:
    """Where an export goes: reports/ for every lead, reports/<地区>/ for a county's own."""
    scope = scope_of(region)
    return reports_dir if scope == ALL else reports_dir / scope


def export_store(
    store: LeadStore,
    reports_dir: Path,
    day: date | None = None,
    chosen: Filters | None = None,
    settings: ExportSettings | None = None,
) -> Exported:
    """The leads files in ``reports_dir`` from the store's current state; the counts and the new workbook.

    ``settings.workbook``: ``always`` writes the analyst's own workbook, ``if-new`` only when leads
    are new or changed since the last one of this scope (the nightly crawl), ``never`` only
    refreshes the CSVs and the read-only view (``check``, ``review import``).
    """
    chosen = chosen or Filters()
    settings = settings or ExportSettings()
    day = day or date.today()  # the machine's day, as the stored times are (the day file compares them)
    where, params = chosen.where()
    scope = scope_of(chosen.region)
    store.commit()  # the workbook's process reads what is committed
    previous = store.read.last_export(scope, "review")
    since = previous["created_at"] if previous is not None else ""
    at = now()
    spec = WorkbookSpec(
        "view", where, params, since, _export_id(day), at, scope, _described(chosen), settings.tz, settings.site_names
    )
    wanted = settings.workbook == "always" or (
        settings.workbook == "if-new" and store.read.fresh_total(where, params, since) > 0
    )
    review = replace(spec, kind="review", export_id=_export_id(day)) if wanted else None
    # spawn, not fork: the crawl that calls this has threads and an open connection.
    with ProcessPoolExecutor(
        1, mp_context=get_context("spawn"), initializer=_workbook_process, initargs=(os.getpid(),)
    ) as workbook_process:
        view = workbook_process.submit(write_workbook, store.path, reports_dir / "leads.xlsx", spec)
        named = reports_dir / REVIEW_FOLDER / f"线索-{scope}-{day.isoformat()}.xlsx"
        own = workbook_process.submit(write_review_workbook, store.path, named, review) if review else None
        total = write_csv(store.read.csv_rows(where, params), reports_dir / "leads.csv")
        todays_where = f"{where} AND changed_at >= ?" if where else " WHERE changed_at >= ?"
        todays = write_csv(
            store.read.csv_rows(todays_where, (*params, day.isoformat())), reports_dir / f"leads-{day.isoformat()}.csv"
        )
        shown: Written = view.result()  # its error, if any, is raised here
        path, mine = own.result() if own is not None else (None, Written(0, []))
    _say_repaired(shown.repaired)
    store.record_export(spec.export_id, "view", scope, at, str(reports_dir / "leads.xlsx"), shown.leads, spec.filters)
    if review is not None and path is not None:
        store.record_export(review.export_id, "review", scope, at, str(path), mine.leads, spec.filters)
    return Exported(reports_dir, total, todays, path, mine.leads)


def _say_repaired(repaired: list[str]) -> None:
    if repaired:
        log.warning(
            "%d lead(s) hold characters a workbook cannot (U+FFFF, control characters), written to leads.xlsx"
            " replaced by U+FFFD: %s",
            len(repaired),
            " ".join(repaired[:20]) + (" …" if len(repaired) > 20 else ""),
        )


def _export_id(day: date) -> str:
    return f"{day:%Y%m%d}-{secrets.token_hex(3)}"


def _described(chosen: Filters) -> str:
    return json.dumps({k: v for k, v in asdict(chosen).items() if v}, ensure_ascii=False)


@contextmanager
def _snapshot(db: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection of its own inside one read transaction: every sheet sees the same leads."""
    conn = sqlite3.connect(db, isolation_level=None, timeout=BUSY_SECONDS)
    try:
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA query_only=1")
        conn.execute("BEGIN")
        yield conn
    finally:
        conn.close()


def write_workbook(db: Path, path: Path, spec: WorkbookSpec) -> Written:
    """The read-only view (leads.xlsx), replaced atomically; its lead count and leads with characters replaced."""
    from crawler.leads.xlsx import leads_xlsx  # openpyxl, imported in the workbook's own process only

    with _snapshot(db) as conn, atomic_file(path) as handle:
        return leads_xlsx(conn, handle, spec)


def write_review_workbook(db: Path, wanted: Path, spec: WorkbookSpec) -> tuple[Path, Written]:
    """The analyst's workbook under a name of its own (never replacing a file); its path and lead count."""
    from crawler.leads.xlsx import leads_xlsx  # openpyxl, imported in the workbook's own process only

    with _snapshot(db) as conn:
        return write_new(wanted, lambda handle: leads_xlsx(conn, handle, spec))
