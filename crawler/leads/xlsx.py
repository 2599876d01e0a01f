"""leads.xlsx for Excel and WPS: frozen header, filters, widths, links, shading, a verdict drop-down.

Written with openpyxl directly: every crawled cell is forced to a text cell, so even a title
that starts with '=' is shown, never evaluated.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

if TYPE_CHECKING:
    from crawler.leads.export import Groups

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
NUMBERS = ("score", "times_seen")


def _text(value: object) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))


def _summary(book: Workbook, rows: Sequence[dict]) -> None:
    sheet = book.create_sheet("summary")
    sheet.append(["what", "value", "leads"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    tables = {
        "category": Counter(c for row in rows for c in str(row["categories"]).split(";") if c),
        "district": Counter(str(row["district"]) or "(unknown)" for row in rows),
        "verdict": Counter(str(row["status"]) or "(none)" for row in rows),
        "site": Counter(str(row["site"]) for row in rows),
    }
    for what, counts in tables.items():
        for value, count in counts.most_common():
            sheet.append([what, _text(value), count])
    sheet.column_dimensions["A"].width = 12
    sheet.column_dimensions["B"].width = 24


def _groups(book: Workbook, rows: Sequence[dict], column: str, title: str) -> None:
    """One row per group of two or more leads (an actor, a case): contacts, sites, districts, URLs."""
    sheet = book.create_sheet(title)
    sheet.append([column, "leads", "sites", "districts", "contacts", "urls"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    groups: dict[str, list[dict]] = {}
    for row in rows:
        if row[column]:
            groups.setdefault(str(row[column]), []).append(row)
    row_number = 1
    for key, members in sorted(groups.items(), key=lambda item: (-len(item[1]), item[0])):
        if len(members) < 2:
            continue
        row_number += 1
        contacts = sorted({c for m in members for c in str(m["contacts"]).split(";") if c})
        districts = sorted({str(m["district"]) for m in members if m["district"]})
        sheet.append(
            [
                key,
                len(members),
                len({m["site"] for m in members}),
                "; ".join(districts),
                _text("; ".join(contacts)),
                _text("\n".join(str(m["url"]) for m in members)),
            ]
        )
        for cell in sheet[row_number]:  # not sheet.max_row: it rescans every cell
            if isinstance(cell.value, str):
                cell.data_type = "s"
    for letter, width in zip("ABCDEF", (14, 8, 8, 24, 40, 60), strict=True):
        sheet.column_dimensions[letter].width = width


def leads_xlsx(stored: Sequence, groups: Groups | None = None) -> bytes:
    """The workbook as bytes: 'leads' (columns as leads.csv), 'actors', 'cases' and 'summary' sheets."""
    from crawler.leads.export import LEAD_COLUMNS, lead_values
    from crawler.leads.review import VERDICTS

    rows = [lead_values(row, groups) for row in stored]
    book = Workbook()
    sheet = book.active
    sheet.title = "leads"
    sheet.append(list(LEAD_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    url_column = LEAD_COLUMNS.index("url") + 1
    for number, values in enumerate(rows, start=2):
        for column, name in enumerate(LEAD_COLUMNS, start=1):
            if name in NUMBERS:
                sheet.cell(
                    row=number,
                    column=column,
                    value=float(values[name] or 0) if name == "score" else int(values[name] or 0),
                )
            else:
                cell = sheet.cell(row=number, column=column, value=_text(values[name]))
                cell.data_type = "s"  # text, even when it starts with '='
        url = str(values["url"])
        if urlsplit(url).scheme in ("http", "https"):
            sheet.cell(row=number, column=url_column).hyperlink = url
    last = get_column_letter(len(LEAD_COLUMNS))
    # Shading by score as conditional formatting: one rule for the sheet, no style per cell
    # (per-cell styles cost openpyxl minutes at a hundred thousand leads).
    score = get_column_letter(LEAD_COLUMNS.index("score") + 1)
    for floor, color in SHADES:
        sheet.conditional_formatting.add(
            f"A2:{last}{max(len(rows) + 1, 2)}",
            FormulaRule(formula=[f"${score}2>={floor}"], fill=PatternFill("solid", bgColor=color), stopIfTrue=True),
        )
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = f"A1:{last}{max(len(rows) + 1, 2)}"
    for column, name in enumerate(LEAD_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = WIDTHS.get(name, 12)
    status = get_column_letter(LEAD_COLUMNS.index("status") + 1)
    choices = DataValidation(type="list", formula1=f'"{",".join(VERDICTS.values())}"', allow_blank=True)
    choices.error, choices.errorTitle = "请选择 确认 / 排除 / 调查中", "verdict"
    sheet.add_data_validation(choices)
    choices.add(f"{status}2:{status}{max(len(rows) + 1, 2) + 1000}")
    _groups(book, rows, "actor_id", "actors")
    _groups(book, rows, "case_id", "cases")
    _summary(book, rows)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
