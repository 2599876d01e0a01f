"""The review loop: verdicts and notes from the analyst's spreadsheet back into the store.

The analyst edits `status` (确认 / 排除 / 调查中) and `notes` in leads.xlsx or leads.csv, perhaps
re-saved by Excel or WPS as GBK. Import is all or nothing: every row is checked first, and one
bad row (unknown lead_id, a verdict that is not one of the three, the same lead twice with
different verdicts or notes) writes nothing. A blank cell never erases a verdict or a note.
The file itself is read within limits by crawler/leads/review_file.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from crawler.leads.columns import ESCAPE_PREFIX, FORMULA_STARTS, VERDICTS
from crawler.leads.review_file import ReviewError, review_rows
from crawler.leads.store import LeadStore, now
from detectors.clean_text import clean_text

FROM_LABEL = {label: verdict for verdict, label in VERDICTS.items()} | {v: v for v in VERDICTS}
REQUIRED = ("lead_id", "status", "notes")


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


def read_review(path: Path) -> list[ReviewRow]:
    """Rows of a review file, checked for shape; raises ReviewError naming the file and the problem."""
    if not path.is_file():
        raise ReviewError(f"{path}: no such file")
    rows = review_rows(path)
    first = next(rows, None)
    if first is None:
        raise ReviewError(f"{path}: empty file")
    header = [cell.strip().lstrip("\ufeff") for cell in first]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise ReviewError(f"{path}: wrong header, missing column(s) {', '.join(missing)}")
    at = {name: header.index(name) for name in REQUIRED}
    out = []
    for line, row in enumerate(rows, start=2):
        lead_id, verdict, notes = (row[at[name]].strip() if at[name] < len(row) else "" for name in REQUIRED)
        if not lead_id and not any(cell.strip() for cell in row):
            continue
        out.append(ReviewRow(line, clean_text(lead_id), clean_text(verdict), clean_text(_unescape(notes))))
    return out


def conflicts(rows: list[ReviewRow]) -> list[str]:
    """The same lead twice with different verdicts (or notes), naming the rows; a blank never conflicts."""
    seen: dict[tuple[str, str], tuple[str, int]] = {}  # (lead_id, what) → (first value, its row)
    problems = []
    for row in rows:
        for what, value in (("verdicts", FROM_LABEL.get(row.verdict, row.verdict)), ("notes", row.notes)):
            if not value:
                continue
            first, line = seen.setdefault((row.lead_id, what), (value, row.line))
            if value != first:
                problems.append(
                    f"rows {line} and {row.line}: lead_id {row.lead_id!r} twice with different {what}"
                    f" ({label(first)!r}, {label(value)!r})"
                )
    return problems


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
    problems = conflicts(rows)
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
