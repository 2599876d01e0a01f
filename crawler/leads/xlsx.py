"""leads.xlsx for Excel and WPS: frozen header, filters, widths, links, shading, a verdict drop-down.

Written with openpyxl in write-only mode, streamed from the store: every crawled cell that a
spreadsheet could read as a formula is forced to a text cell, so a title that starts with '='
is shown, never evaluated. A workbook is for reading and marking leads, not for a whole
province: it holds the XLSX_MAX_ROWS highest-scoring leads (leads.csv always holds all of
them, and ``tutorwatch export --region`` gives a county its own complete workbook); the
summary sheet says when rows were left out.

Text is cleaned where it enters (detectors/clean_text.py), but a store written by an older
TutorWatch may still hold characters XML cannot (U+FFFF, a control character): every cell goes
through the same cleaning again, so one such lead never stops the workbook. It is written with
those characters replaced, and its id is returned so the export can say so.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from typing import BinaryIO
from urllib.parse import urlsplit

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.datavalidation import DataValidation

from crawler.leads.columns import LEAD_COLUMNS, ORDER, VALUES_SELECT, VERDICTS
from crawler.leads.review import label
from detectors.clean_text import UNWRITABLE, clean_text

XLSX_MAX_ROWS = 20_000
WIDTHS = {
    "title": 40,
    "url": 36,
    "matched_text": 36,
    "basis": 22,
    "categories": 24,
    "rules": 30,
    "notes": 30,
    "publisher": 16,
    "contact": 16,
    "first_seen": 20,
    "last_seen": 20,
    "changed_at": 20,
}
SHADES = ((0.9, "F8CBAD"), (0.7, "FCE4D6"), (0.0, "FFF2CC"))  # by score: high, medium, low
BOLD = Font(bold=True)


def _text(value: object) -> str:
    return clean_text("" if value is None else str(value))


def _header(sheet: WriteOnlyWorksheet, names: list[str]) -> None:
    cells = []
    for name in names:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = BOLD
        cells.append(cell)
    sheet.append(cells)


def _inert(sheet: WriteOnlyWorksheet, value: object) -> object:
    """A value openpyxl writes as-is; text it would take for a formula ('=…') or an error (#N/A) is forced to text.

    Empty text becomes None, a cell openpyxl leaves out of the sheet (most lead columns are often empty).
    """
    if isinstance(value, int | float):
        return value
    text = _text(value)
    if not text.startswith("=") and text not in ERROR_CODES:
        return text or None
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    return cell


def _leads_sheet(book: Workbook, conn: sqlite3.Connection, select: str, params: tuple, rows: int) -> list[str]:
    """The leads, highest score first; returns the ids of those written with characters replaced."""
    sheet = book.create_sheet("leads")
    last, end = get_column_letter(len(LEAD_COLUMNS)), max(rows + 1, 2)
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = f"A1:{last}{end}"
    for column, name in enumerate(LEAD_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = WIDTHS.get(name, 12)
    # Shading by score as conditional formatting: one rule for the sheet, no style per cell.
    score = get_column_letter(LEAD_COLUMNS.index("score") + 1)
    for floor, color in SHADES:
        sheet.conditional_formatting.add(
            f"A2:{last}{end}",
            FormulaRule(formula=[f"${score}2>={floor}"], fill=PatternFill("solid", bgColor=color), stopIfTrue=True),
        )
    status = get_column_letter(LEAD_COLUMNS.index("status") + 1)
    choices = DataValidation(type="list", formula1=f'"{",".join(VERDICTS.values())}"', allow_blank=True)
    choices.error, choices.errorTitle = "请选择 确认 / 排除 / 调查中", "verdict"
    choices.add(f"{status}2:{status}{end + 1000}")
    sheet.data_validations.append(choices)
    _header(sheet, list(LEAD_COLUMNS))
    url_at = LEAD_COLUMNS.index("url")
    repaired = []
    for row in conn.execute(f"{select} LIMIT ?", (*params, XLSX_MAX_ROWS)):
        values = [_inert(sheet, value) for value in row]
        if any(isinstance(value, str) and UNWRITABLE.search(value) for value in row):
            repaired.append(str(row[0]))
        url = _text(row[url_at])
        if urlsplit(url).scheme in ("http", "https"):
            link = WriteOnlyCell(sheet, value=url)
            link.hyperlink = url
            values[url_at] = link
        sheet.append(values)
    return repaired


def _groups_sheet(book: Workbook, conn: sqlite3.Connection, where: str, params: tuple, column: str) -> None:
    """One row per group of two or more leads (an actor, a case): contacts, sites, districts, URLs."""
    sheet = book.create_sheet("actors" if column == "actor_id" else "cases")
    for letter, width in zip("ABCDEF", (14, 8, 8, 24, 40, 60), strict=True):
        sheet.column_dimensions[letter].width = width
    _header(sheet, [column, "leads", "sites", "districts", "contacts", "urls"])
    condition = f"{where} AND {column} != ''" if where else f" WHERE {column} != ''"
    groups = conn.execute(
        f"SELECT {column}, count(*), count(DISTINCT site), group_concat(DISTINCT district),"
        f" group_concat(contacts, ';'), group_concat(url, char(10)) FROM leads{condition}"
        f" GROUP BY {column} HAVING count(*) >= 2 ORDER BY count(*) DESC, {column} LIMIT ?",
        (*params, XLSX_MAX_ROWS),
    )
    for key, leads, sites, districts, contacts, urls in groups:
        found = sorted({c for c in (contacts or "").split(";") if c})
        places = "; ".join(sorted(d for d in (districts or "").split(",") if d))
        sheet.append([key, leads, sites, _inert(sheet, places), _inert(sheet, "; ".join(found)), _inert(sheet, urls)])


def _summary_sheet(
    book: Workbook, conn: sqlite3.Connection, where: str, params: tuple, total: int, repaired: list[str]
) -> None:
    sheet = book.create_sheet("summary")
    sheet.column_dimensions["A"].width = 12
    sheet.column_dimensions["B"].width = 24
    _header(sheet, ["what", "value", "leads"])
    sheet.append(["leads", "in leads.csv", total])
    sheet.append(["leads", "in this workbook (highest scores)", min(total, XLSX_MAX_ROWS)])
    if repaired:  # 含表格无法保存的字符，已替换为 �
        sheet.append(["leads", "含无法写入表格的字符（已替换为 �）: " + " ".join(repaired[:50]), len(repaired)])
    categories: Counter[str] = Counter()
    for joined, count in conn.execute(f"SELECT categories, count(*) FROM leads{where} GROUP BY categories", params):
        for category in str(joined).split(";"):
            if category:
                categories[category] += count
    tables = {"category": categories.most_common()}
    for what, column in (("district", "district"), ("verdict", "status"), ("site", "site")):
        tables[what] = conn.execute(
            f"SELECT {column}, count(*) FROM leads{where} GROUP BY {column} ORDER BY count(*) DESC, {column}", params
        ).fetchall()
    for what, counts in tables.items():
        for value, count in counts:
            shown = label(value) if what == "verdict" else value
            sheet.append([what, _inert(sheet, shown or "(none)"), count])


def leads_xlsx(conn: sqlite3.Connection, out: BinaryIO, where: str, params: tuple) -> list[str]:
    """Write the workbook to ``out``: 'leads' (columns as leads.csv), 'actors', 'cases' and 'summary'.

    ``where``/``params`` choose the leads (Filters.where). Read inside one transaction, every
    sheet sees the same leads. Returns the ids of leads written with characters replaced.
    """
    [(total,)] = conn.execute(f"SELECT count(*) FROM leads{where}", params)
    book = Workbook(write_only=True)
    repaired = _leads_sheet(book, conn, VALUES_SELECT + where + ORDER, params, min(total, XLSX_MAX_ROWS))
    _groups_sheet(book, conn, where, params, "actor_id")
    _groups_sheet(book, conn, where, params, "case_id")
    _summary_sheet(book, conn, where, params, total, repaired)
    book.save(out)
    return repaired
