"""The review loop: verdicts and notes from the analyst's file back into the store, never losing a newer one.

The analyst sets 研判结论 (确认 / 排除 / 调查中 / 待研判) and 备注 in their own workbook (or leads.csv,
perhaps re-saved by Excel or WPS as GBK). Import runs in three steps, so each can be bounded or
checked on its own: read the rows (``read_review``), check every row against the leads' stored
states (``check_rows``: one bad row refuses the whole file, and every bad row is named), then
apply per lead (crawler.leads.verdicts: a verdict older than the stored one is a conflict,
reported, that lead unchanged); the states are read once and written under one lock. A blank
cell never erases a verdict or a note.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from crawler.errors import TutorWatchError
from crawler.leads.columns import ESCAPE_PREFIX, FORMULA_STARTS
from crawler.leads.encodings import decode_hand_edited
from crawler.leads.queries import VerdictState
from crawler.leads.store import LeadStore
from crawler.leads.verdicts import Applied, Change, apply_changes, verdict_lock
from crawler.leads.wording import FROM_LABEL, VERDICT_CHOICES, verdict_name

# The columns import reads, by the names the CSV (ids) and the workbook (Chinese) give them.
HEADERS = {
    "lead_id": ("lead_id", "线索编号"),
    "status": ("status", "研判结论"),
    "notes": ("notes", "备注"),
    "verdict_rev": ("verdict_rev", "研判版本"),
}
REQUIRED = ("lead_id", "status", "notes")
LEADS_SHEETS = ("线索", "leads")
INFO_SHEET = "导出信息"  # the workbook's hidden sheet: export id, time, scope
WRITER = "TutorWatch"  # the workbook's creator and last-modified-by until a person saves it


class ReviewError(TutorWatchError):
    exit_code = 6


@dataclass(frozen=True)
class ReviewRow:
    line: int
    lead_id: str
    verdict: str  # the cell as written ("" when blank)
    notes: str
    rev: str  # the lead's revision when the file was exported ("" when the file has no such column)


@dataclass(frozen=True)
class ReviewFile:
    path: Path
    rows: list[ReviewRow]
    export_id: str = ""  # from the workbook's hidden sheet
    modified_by: str = ""  # the workbook's last-modified-by (Excel and WPS write the user's name)


def label(verdict: str) -> str:
    """The Chinese label analysts see for a stored verdict ('' stays '')."""
    return verdict_name(verdict) if verdict else ""


def _unescape(text: str) -> str:
    """A notes cell as the analyst wrote it: the export's formula escape taken off again."""
    return text[1:] if text.startswith(ESCAPE_PREFIX) and text[1:].startswith(FORMULA_STARTS) else text


def _csv_rows(path: Path) -> list[list[str]]:
    text = decode_hand_edited(path.read_bytes())  # Excel/WPS on Chinese Windows re-save as GBK
    if text is None:
        raise ReviewError(f"{path}: neither UTF-8 nor GBK/GB18030 text")
    return list(csv.reader(io.StringIO(text, newline="")))


def _cells(values: tuple) -> list[str]:
    return ["" if value is None else str(value) for value in values]


def _xlsx(path: Path) -> tuple[list[list[str]], str, str]:
    """The leads sheet's rows, the export id of the hidden sheet, and who saved the workbook last."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise ReviewError(f"{path}: not a readable .xlsx file ({type(exc).__name__})") from None
    try:
        name = next((n for n in LEADS_SHEETS if n in book.sheetnames), book.sheetnames[0])
        rows = [_cells(row) for row in book[name].iter_rows(values_only=True)]
        info = {}
        if INFO_SHEET in book.sheetnames:
            info = {r[0]: r[1] for r in (_cells(v) for v in book[INFO_SHEET].iter_rows(values_only=True)) if len(r) > 1}
        by = book.properties.lastModifiedBy or ""
    finally:
        book.close()
    return rows, info.get("export_id", ""), "" if by == WRITER else by


def read_review(path: Path) -> ReviewFile:
    """Rows of a review file, checked for shape; raises ReviewError naming the file and the problem."""
    if not path.is_file():
        raise ReviewError(f"{path}: no such file")
    export_id = modified_by = ""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        rows, export_id, modified_by = _xlsx(path)
    else:
        rows = _csv_rows(path)
    if not rows:
        raise ReviewError(f"{path}: empty file")
    header = [cell.strip().lstrip("\ufeff") for cell in rows[0]]
    at = {key: next((header.index(n) for n in names if n in header), -1) for key, names in HEADERS.items()}
    missing = [key for key in REQUIRED if at[key] < 0]
    if missing:
        raise ReviewError(f"{path}: wrong header, missing column(s) {', '.join(missing)}")
    out = []
    for line, row in enumerate(rows[1:], start=2):
        cells = [*row, *[""] * (len(header) - len(row))]
        lead_id = cells[at["lead_id"]].strip()
        if not lead_id and not any(c.strip() for c in cells):
            continue
        rev = cells[at["verdict_rev"]].strip() if at["verdict_rev"] >= 0 else ""
        notes = _unescape(cells[at["notes"]].strip())
        out.append(ReviewRow(line, lead_id, cells[at["status"]].strip(), notes, rev))
    return ReviewFile(path, out, export_id, modified_by)


def _base(rev: str) -> int | None:
    """The revision a row was exported at: none written means before any verdict (0); None when unreadable."""
    if not rev:
        return 0
    try:
        number = int(float(rev))  # a spreadsheet may turn 3 into 3.0
    except ValueError:
        return None
    return number if number >= 0 else None


def check_rows(review: ReviewFile, states: dict[str, VerdictState]) -> list[Change]:
    """Every row checked against the leads' stored states; raises ReviewError naming every bad row."""
    rows = review.rows
    known = states.keys()
    problems: list[str] = []
    changes: dict[str, tuple[ReviewRow, Change]] = {}
    for row in rows:
        base = _base(row.rev)
        where = f"row {row.line}"
        if row.lead_id not in known:
            problems.append(f"{where}: unknown lead_id {row.lead_id!r}")
            continue
        if row.verdict and row.verdict not in FROM_LABEL:
            problems.append(f"{where}: verdict {row.verdict!r} is not one of {'/'.join(VERDICT_CHOICES)}")
            continue
        if base is None:
            problems.append(f"{where}: revision {row.rev!r} is not a number")
            continue
        if base > states[row.lead_id].rev:
            problems.append(
                f"{where}: lead {row.lead_id} at revision {base}, newer than this database's"
                f" {states[row.lead_id].rev} (a file from another database?)"
            )
            continue
        change = Change(row.lead_id, FROM_LABEL[row.verdict] if row.verdict else None, row.notes or None, base, where)
        earlier = changes.get(row.lead_id)
        if earlier is not None and (earlier[1].status, earlier[1].notes) != (change.status, change.notes):
            other = earlier[0].line
            problems.append(f"{where}: lead {row.lead_id} is also on row {other} with another verdict or note")
            continue
        changes[row.lead_id] = (row, change)
    if problems:
        raise ReviewError(f"{review.path}: {len(problems)} bad row(s), nothing was imported: {'; '.join(problems)}")
    return [change for _, change in changes.values()]


def source_of(review: ReviewFile) -> str:
    """How the history names a file: its name and, for a workbook, its export id."""
    return f"{review.path.name} ({review.export_id})" if review.export_id else review.path.name


def import_review(store: LeadStore, path: Path, reviewer: str | None = None) -> Applied:
    """Merge verdicts and notes from a file; a bad row refuses the file, a newer stored verdict refuses its lead."""
    review = read_review(path)
    with verdict_lock(store):  # checked and written against the same states: nothing slips in between
        states = store.read.verdict_state({row.lead_id for row in review.rows})
        changes = check_rows(review, states)  # a bad row raises: the transaction ends, nothing written
        return apply_changes(store, changes, states, reviewer or review.modified_by, source_of(review))


def labelled_jsonl(store: LeadStore) -> str:
    """Confirmed and dismissed leads as labelled listings for `tutorwatch train --extra`."""
    lines = []
    for row in store.read.reviewed():
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
