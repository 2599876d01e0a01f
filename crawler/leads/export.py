"""Leads files for the analyst: CSV (UTF-8 with BOM, formula-safe) and XLSX, written atomically.

Excel and WPS on Chinese Windows read a BOM-marked UTF-8 CSV correctly; crawled text must
never become a formula, so any CSV cell that a spreadsheet would evaluate is prefixed with '
(the XLSX writes every crawled cell as a text cell instead).
"""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from crawler.leads.actors import actor_ids
from crawler.leads.duplicates import case_ids
from crawler.leads.filters import Filters
from crawler.leads.review import label
from crawler.leads.store import LeadStore
from crawler.leads.xlsx import leads_xlsx

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
    "changed_since_verdict",
    "evidence",
    "evidence_sha256",
    "contacts",
    "actor_id",
    "registry_status",
    "case_id",
)


@dataclass(frozen=True)
class Groups:
    """Leads grouped across the whole store: by shared contact (actors) and by near-duplicate text (cases)."""

    actors: dict[str, str]
    cases: dict[str, str]


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


def lead_values(row: sqlite3.Row | dict, groups: Groups | None = None) -> dict[str, object]:
    """A stored lead as the analyst reads it: verdict as 确认/排除/调查中, whether it changed, actor and case."""
    derived = ("changed_since_verdict", "evidence", "actor_id", "case_id")
    values = {column: row[column] for column in LEAD_COLUMNS if column not in derived}
    values["evidence"] = f"{row['evidence_file']}@{row['evidence_offset']}" if row["evidence_file"] else ""
    groups = groups or Groups({}, {})
    values["actor_id"] = groups.actors.get(row["lead_id"], "")
    values["case_id"] = groups.cases.get(row["lead_id"], "")
    values["status"] = label(row["status"])
    values["changed_since_verdict"] = "yes" if row["status"] and row["content_hash"] != row["verdict_hash"] else ""
    return values


def leads_csv(rows: Iterable[sqlite3.Row | dict], groups: Groups | None = None) -> bytes:
    """The leads as CSV bytes, columns in LEAD_COLUMNS order."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(LEAD_COLUMNS)
    for row in rows:
        values = lead_values(row, groups)
        writer.writerow([safe_cell(values[column]) for column in LEAD_COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")


def export_store(
    store: LeadStore, reports_dir: Path, day: date | None = None, chosen: Filters | None = None
) -> tuple[int, int]:
    """The leads files from the store's current state (re-running writes the same files); their row counts.

    reports/leads.csv and leads.xlsx hold every lead (that passes ``chosen``); leads-YYYY-MM-DD.csv
    those first found or changed that day.
    """
    day = day or date.today()
    chosen = chosen or Filters()
    everything = [row for row in store.leads() if chosen.keeps(row)]
    todays = [row for row in store.leads(changed_since=day.isoformat()) if chosen.keeps(row)]
    stored = store.leads()
    groups = Groups(
        actor_ids((row["lead_id"], row["contacts"]) for row in stored),
        case_ids((row["lead_id"], row["minhash"]) for row in stored),
    )
    write_atomic(reports_dir / "leads.csv", leads_csv(everything, groups))
    write_atomic(reports_dir / "leads.xlsx", leads_xlsx(everything, groups))
    write_atomic(reports_dir / f"leads-{day.isoformat()}.csv", leads_csv(todays, groups))
    return len(everything), len(todays)
