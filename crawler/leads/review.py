"""The review loop: verdicts and notes from the analyst's spreadsheet back into the store.

The analyst edits `status` (确认 / 排除 / 调查中) and `notes` in leads.xlsx or leads.csv, perhaps
re-saved by Excel or WPS as GBK. Import is all or nothing: every row is checked first, and one
bad row (unknown lead_id, a verdict that is not one of the three) writes nothing. A blank cell
never erases a verdict or a note.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from crawler.errors import TutorWatchError
from crawler.leads.columns import ESCAPE_PREFIX, FORMULA_STARTS, VERDICTS
from crawler.leads.encodings import decode_hand_edited
from crawler.leads.store import LeadStore, now

FROM_LABEL = {label: verdict for verdict, label in VERDICTS.items()} | {v: v for v in VERDICTS}
REQUIRED = ("lead_id", "status", "notes")


class ReviewError(TutorWatchError):
    exit_code = 6


@dataclass(frozen=True)
class ReviewRow:
    line: int
    lead_id: str
    verdict: str  # "" when the cell is blank
    notes: str


def label(verdict: str) -> str:
    """The Chinese label analysts see for a stored verdict ('' stays '')."""
    return VERDICTS.get(verdict, verdict)


def _unescape(text: str) -> str:
    """A notes cell as the analyst wrote it: the export's formula escape taken off again."""
    return text[1:] if text.startswith(ESCAPE_PREFIX) and text[1:].startswith(FORMULA_STARTS) else text


def _csv_rows(path: Path) -> list[list[str]]:
    text = decode_hand_edited(path.read_bytes())  # Excel/WPS on Chinese Windows re-save as GBK
    if text is None:
        raise ReviewError(f"{path}: neither UTF-8 nor GBK/GB18030 text")
    return list(csv.reader(io.StringIO(text, newline="")))


def _xlsx_rows(path: Path) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise ReviewError(f"{path}: not a readable .xlsx file ({type(exc).__name__})") from None
    sheet = book["leads"] if "leads" in book.sheetnames else book.worksheets[0]
    rows = [["" if value is None else str(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    book.close()
    return rows


def read_review(path: Path) -> list[ReviewRow]:
    """Rows of a review file, checked for shape; raises ReviewError naming the file and the problem."""
    if not path.is_file():
        raise ReviewError(f"{path}: no such file")
    rows = _xlsx_rows(path) if path.suffix.lower() in (".xlsx", ".xlsm") else _csv_rows(path)
    if not rows:
        raise ReviewError(f"{path}: empty file")
    header = [cell.strip().lstrip("\ufeff") for cell in rows[0]]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise ReviewError(f"{path}: wrong header, missing column(s) {', '.join(missing)}")
    at = {name: header.index(name) for name in REQUIRED}
    out = []
    for line, row in enumerate(rows[1:], start=2):
        cells = [*row, *[""] * (len(header) - len(row))]
        lead_id = cells[at["lead_id"]].strip()
        if not lead_id and not any(c.strip() for c in cells):
            continue
        out.append(ReviewRow(line, lead_id, cells[at["status"]].strip(), _unescape(cells[at["notes"]].strip())))
    return out


def known_ids(store: LeadStore, wanted: set[str]) -> set[str]:
    """Those of ``wanted`` that are leads in the store, looked up by SQLite (not a scan of every lead id)."""
    conn = store.conn
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS review_ids (lead_id TEXT PRIMARY KEY)")
    conn.execute("DELETE FROM review_ids")
    conn.executemany("INSERT OR IGNORE INTO review_ids VALUES (?)", ((lead,) for lead in wanted))
    found = {row[0] for row in conn.execute("SELECT lead_id FROM review_ids JOIN leads USING (lead_id)")}
    conn.execute("DELETE FROM review_ids")
    return found


def import_review(store: LeadStore, path: Path) -> tuple[int, int]:
    """Merge verdicts and notes; returns (verdicts set, notes set). Nothing is written on any error."""
    rows = read_review(path)
    known = known_ids(store, {row.lead_id for row in rows})
    problems = []
    for row in rows:
        if row.lead_id not in known:
            problems.append(f"row {row.line}: unknown lead_id {row.lead_id!r}")
        elif row.verdict and row.verdict not in FROM_LABEL:
            problems.append(f"row {row.line}: verdict {row.verdict!r} is not one of 确认/排除/调查中")
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ReviewError(f"{path}: {problems[0]}{more}; nothing was imported")
    at = now()
    verdicts = [(FROM_LABEL[row.verdict], at, row.lead_id) for row in rows if row.verdict]
    notes = [(row.notes, row.lead_id) for row in rows if row.notes]
    with store.conn:
        store.conn.execute("BEGIN IMMEDIATE")
        store.conn.executemany(
            "UPDATE leads SET status = ?, verdict_hash = content_hash, reviewed_at = ? WHERE lead_id = ?", verdicts
        )
        store.conn.executemany("UPDATE leads SET notes = ? WHERE lead_id = ?", notes)
    return len(verdicts), len(notes)


def labelled_jsonl(store: LeadStore) -> str:
    """Confirmed and dismissed leads as labelled listings for `tutorwatch train --extra`."""
    lines = []
    for row in store.conn.execute("SELECT * FROM leads WHERE status IN ('confirmed', 'dismissed') ORDER BY lead_id"):
        categories = row["categories"].split(";") if row["status"] == "confirmed" and row["categories"] else []
        lines.append(
            json.dumps(
                {
                    "id": row["lead_id"],
                    "family": row["lead_id"],
                    "platform": row["platform"],
                    "form": "plain" if categories else "clean",
                    "title": row["title"],
                    "text": row["body"],
                    "categories": categories,
                    "note": f"analyst verdict {label(row['status'])} {row['reviewed_at']}",
                },
                ensure_ascii=False,
            )
        )
    return "\n".join(lines) + ("\n" if lines else "")
