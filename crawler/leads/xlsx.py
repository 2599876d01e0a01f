"""The leads workbooks for Excel and WPS, in Chinese: the analyst's own file, and a read-only view.

Two kinds from one writer (``WorkbookSpec.kind``):
- ``review``: the file an analyst decides leads in (reports/待研判/线索-<地区>-<日期>.xlsx, a new file
  per export, never overwritten): the leads that need a decision, new and changed first, then by
  priority; a strict drop-down for 研判结论 (an error, not a warning, in Excel and WPS).
- ``view``: reports/leads.xlsx, rewritten by every crawl, its sheets protected (read-only) so no
  verdict is typed where the next crawl would wipe it.

The first columns an analyst needs stay in view (研判结论, 标题, 违规类别, 区县, 说明); dates are
real dates in the bureau's time zone; long text wraps; it prints landscape, one page wide, the
header on every page. Ids stay in hidden columns (线索编号, 研判版本) so re-import works, and a
hidden sheet (导出信息) carries the export's id and time. Written in openpyxl's write-only mode,
streamed from the store: every crawled cell that a spreadsheet could read as a formula is forced
to a text cell. A workbook holds at most XLSX_MAX_ROWS leads (leads.csv always holds all).

Text is cleaned where it enters (detectors/clean_text.py), but a store written by an older
TutorWatch may still hold characters XML cannot (U+FFFF, a control character): every cell goes
through the same cleaning again, so one such lead never stops the workbook. It is written with
those characters replaced, and its id is returned (``Written.repaired``) so the export can say so.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable
from copy import copy
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from crawler.leads.explain import explain
from crawler.leads.findings import loaded
from crawler.leads.localtime import local
from crawler.leads.priority import priority
from crawler.leads.queries import LeadQueries, and_where
from crawler.leads.wording import (
    OUTCOMES,
    UNKNOWN_PLACE,
    VERDICT_CHOICES,
    category_name,
    category_names,
    contact_name,
    platform_name,
    registry_name,
    verdict_name,
)
from crawler.leads.workbook_spec import WorkbookSpec, Written
from detectors.clean_text import UNWRITABLE, clean_text

XLSX_MAX_ROWS = 20_000
LINE_POINTS, MAX_LINES = 14, 14  # a wrapped row's height: 15 pt a line, at most 14 lines (the rest scrolls)
OPEN = "(status IN ('', 'investigating') OR (status != '' AND content_hash != verdict_hash))"  # needs a decision
LEADS_SHEET, INFO_SHEET = "线索", "导出信息"
FROZEN = "F2"  # columns A–E (研判结论 … 说明) and the header row stay in view
PRINTED = 9  # the columns printed: the frozen ones, 备注, 新/变化, 优先级 and its reason
WRITER = "TutorWatch"
DATE_FORMAT = "yyyy-mm-dd hh:mm"
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
BOLD = Font(bold=True)
LINK = Font(color="0563C1", underline="single")
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
FRESH_FILLS = (("新线索", "FFF2CC"), ("有变化", "FCE4D6"))


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    value: Callable[[sqlite3.Row, dict], object]
    style: str = "text"  # text | top (aligned to the top, as wrapped neighbours are) | wrap | date | number
    hidden: bool = False


@dataclass(frozen=True)
class Linked:
    """Text shown as a link to ``url`` (only http and https become links)."""

    text: str
    url: str


def _place(row: sqlite3.Row) -> str:
    return row["district"] or row["city"] or UNKNOWN_PLACE


def _contacts(joined: str) -> str:
    return "；".join(contact_name(c) for c in joined.split(";") if c)


def _evidence(row: sqlite3.Row) -> str:
    return f"{row['evidence_file']}@{row['evidence_offset']}" if row["evidence_file"] else ""


COLUMNS: tuple[Column, ...] = (
    Column("研判结论", 10, lambda r, x: verdict_name(r["status"]) if r["status"] else None, "top"),
    Column("标题", 30, lambda r, x: Linked(r["title"], r["url"]), "wrap"),
    Column("违规类别", 18, lambda r, x: category_names(r["categories"]), "wrap"),
    Column("区县", 10, lambda r, x: _place(r), "top"),
    Column("说明", 60, lambda r, x: explain(loaded(r["findings"], r["categories"], r["matched_text"])), "wrap"),
    Column("备注", 24, lambda r, x: r["notes"], "wrap"),
    Column("新/变化", 9, lambda r, x: {0: OUTCOMES["new"], 1: OUTCOMES["changed"]}.get(r["fresh"], ""), "top"),
    Column("优先级", 8, lambda r, x: x["priority"][0], "top"),
    Column("优先级依据", 34, lambda r, x: x["priority"][1], "wrap"),
    Column("首次发现", 16, lambda r, x: local(r["first_seen"], x["tz"]), "date"),
    Column("最近发现", 16, lambda r, x: local(r["last_seen"], x["tz"]), "date"),
    Column("发现次数", 8, lambda r, x: r["times_seen"], "number"),
    Column("网站", 16, lambda r, x: x["site_names"].get(r["site"], r["site"])),
    Column("平台", 12, lambda r, x: platform_name(r["platform"])),
    Column("发布者", 16, lambda r, x: r["publisher"]),
    Column("联系方式", 16, lambda r, x: r["contact"]),
    Column("识别出的联系方式", 24, lambda r, x: _contacts(r["contacts"]), "wrap"),
    Column("同一联系人线索数", 10, lambda r, x: r["actor_leads"], "number"),
    Column("同一广告网站数", 10, lambda r, x: r["case_sites"], "number"),
    Column("价格", 12, lambda r, x: r["price"]),
    Column("发布时间", 14, lambda r, x: r["posted_at"]),
    Column("许可核对", 14, lambda r, x: registry_name(r["registry_status"])),
    Column("链接", 36, lambda r, x: Linked(r["url"], r["url"])),
    Column("研判后页面有变化", 10, lambda r, x: "是" if r["changed_since_verdict"] else ""),
    Column("研判时间", 16, lambda r, x: local(r["reviewed_at"], x["tz"]), "date"),
    Column("有变化时间", 16, lambda r, x: local(r["changed_at"], x["tz"]), "date"),
    Column("证据文件", 24, lambda r, x: _evidence(r)),
    Column("证据SHA-256", 24, lambda r, x: r["evidence_sha256"]),
    Column("同一联系人编号", 14, lambda r, x: r["actor_id"]),
    Column("同一广告编号", 14, lambda r, x: r["case_id"]),
    Column("检测评分", 8, lambda r, x: round(r["score"], 2), "number"),
    Column("检测版本", 30, lambda r, x: r["stamp"]),  # the engine's stamp: rule-set hash, registry, model, threshold
    Column("线索编号", 14, lambda r, x: r["lead_id"], hidden=True),
    Column("研判版本", 8, lambda r, x: r["verdict_rev"], "number", hidden=True),
)
HEADERS = tuple(c.header for c in COLUMNS)


def _text(value: object) -> str:
    return clean_text("" if value is None else str(value))


def _inert(sheet: WriteOnlyWorksheet, value: object) -> object:
    """A value openpyxl writes as-is; text it would take for a formula ('=…') or an error (#N/A) is forced to text.

    Empty text becomes None, a cell openpyxl leaves out of the sheet (most lead columns are often empty).
    """
    if isinstance(value, int | float | datetime):
        return value
    text = _text(value)
    if not text.startswith("=") and text not in ERROR_CODES:
        return text or None
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    return cell


class CellStyles:
    """Each column style registered once in the workbook; a cell then takes a copy of its style indices.

    Setting ``cell.alignment`` looks the style up in the workbook's lists on every cell (most of a
    20,000-row sheet's time); copying the few integers openpyxl keeps per cell does the same.
    """

    def __init__(self, sheet: WriteOnlyWorksheet) -> None:
        looks = {
            "wrap": {"alignment": WRAP},
            "top": {"alignment": TOP},
            "date": {"number_format": DATE_FORMAT},
            "wrap link": {"alignment": WRAP, "font": LINK},
            "top link": {"alignment": TOP, "font": LINK},
        }
        self.arrays: dict[str, StyleArray] = {}
        for name, attributes in looks.items():
            template = WriteOnlyCell(sheet)
            for attribute, value in attributes.items():
                setattr(template, attribute, value)
            self.arrays[name] = template._style

    def cell(self, sheet: WriteOnlyWorksheet, value: object, look: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=value)
        cell._style = copy(self.arrays[look])
        return cell


def _styled(sheet: WriteOnlyWorksheet, styles: CellStyles, value: object, style: str) -> object:
    """A cell with its column's style: a number, a real date, wrapped text, a link; crawled text stays inert."""
    link = value.url if isinstance(value, Linked) and urlsplit(value.url).scheme in ("http", "https") else ""
    value = value.text if isinstance(value, Linked) else value
    if value is None or value == "" or style == "number":
        return value if value != "" else None
    if style == "date" or (style == "top" and isinstance(value, int | float)):
        return styles.cell(sheet, value, style)
    if style == "text" and not link:
        return _inert(sheet, value)
    cell = styles.cell(sheet, _text(value), ("wrap" if style == "wrap" else "top") + (" link" if link else ""))
    cell.data_type = "s"  # never a formula, whatever the text starts with
    if link:
        cell.hyperlink = link
    return cell


def text_lines(text: str, width: float) -> int:
    """Lines a wrapped cell ``width`` wide needs for ``text`` (a Chinese character is two columns: GBK length)."""
    columns = max(width - 1, 1)
    return sum(max(1, -(-len(line.encode("gbk", "replace")) // int(columns))) for line in text.split("\n"))


def _header(sheet: WriteOnlyWorksheet, names: list[str] | tuple[str, ...]) -> None:
    cells = []
    for name in names:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font, cell.fill, cell.alignment = BOLD, HEADER_FILL, WRAP
        cells.append(cell)
    sheet.append(cells)


def _protect(sheet: WriteOnlyWorksheet) -> None:
    """Read-only for people: filtering, resizing and sorting stay allowed; typing does not."""
    sheet.protection.sheet = True
    sheet.protection.autoFilter = sheet.protection.sort = False
    sheet.protection.formatColumns = sheet.protection.formatRows = False


def _print_setup(sheet: WriteOnlyWorksheet, end: int) -> None:
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_title_rows = "1:1"
    sheet.print_area = f"A1:{get_column_letter(PRINTED)}{end}"


def _leads_sheet(book: Workbook, read: LeadQueries, spec: WorkbookSpec, where: str, rows: int) -> Written:
    sheet = book.create_sheet(LEADS_SHEET)
    last, end = get_column_letter(len(COLUMNS)), max(rows + 1, 2)
    sheet.freeze_panes = FROZEN
    sheet.auto_filter.ref = f"A1:{last}{end}"
    for number, column in enumerate(COLUMNS, start=1):
        dimension = sheet.column_dimensions[get_column_letter(number)]
        dimension.width, dimension.hidden = column.width, column.hidden
    fresh = get_column_letter(HEADERS.index("新/变化") + 1)
    for text, colour in FRESH_FILLS:
        sheet.conditional_formatting.add(
            f"A2:{last}{end}", FormulaRule(formula=[f'${fresh}2="{text}"'], fill=PatternFill("solid", bgColor=colour))
        )
    if spec.kind == "review":
        choices = DataValidation(
            type="list",
            formula1=f'"{",".join(VERDICT_CHOICES)}"',
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="stop",
            showInputMessage=True,
        )
        choices.errorTitle, choices.error = "研判结论", f"请从下拉列表中选择：{'、'.join(VERDICT_CHOICES)}"
        choices.promptTitle, choices.prompt = "研判结论", "确认 / 排除 / 调查中；待研判 = 重新打开"
        choices.add(f"A2:A{end}")
        sheet.data_validations.append(choices)
    else:
        _protect(sheet)
    _print_setup(sheet, end)
    _header(sheet, HEADERS)
    context = {"tz": ZoneInfo(spec.tz), "site_names": spec.site_names}
    styles = CellStyles(sheet)
    wrapped = [(n, c.width) for n, c in enumerate(COLUMNS) if c.style == "wrap" and not c.hidden]
    written, repaired = 0, []
    for row in read.workbook_rows(where, spec.params, spec.since, XLSX_MAX_ROWS, triage=spec.kind == "review"):
        context["priority"] = priority(row["categories"], row["times_seen"], row["case_sites"], row["actor_leads"])
        values = [column.value(row, context) for column in COLUMNS]
        if any(isinstance(value, str) and UNWRITABLE.search(value) for value in row):
            repaired.append(str(row["lead_id"]))
        # Excel, WPS and LibreOffice keep a row's default height on opening: give it the height its text needs.
        lines = max(text_lines(_text(getattr(values[n], "text", values[n])), width) for n, width in wrapped)
        sheet.row_dimensions[written + 2].height = LINE_POINTS * min(lines, MAX_LINES)
        sheet.append([_styled(sheet, styles, value, c.style) for value, c in zip(values, COLUMNS, strict=True)])
        written += 1
    return Written(written, repaired)


def _groups_sheet(book: Workbook, read: LeadQueries, spec: WorkbookSpec, column: str) -> None:
    """One row per group of two or more leads (an actor, a case): contacts, sites, districts, URLs."""
    sheet = book.create_sheet("同一联系人" if column == "actor_id" else "同一广告")
    for letter, width in zip("ABCDEF", (14, 8, 8, 24, 40, 60), strict=True):
        sheet.column_dimensions[letter].width = width
    _header(sheet, ["编号", "线索数", "网站数", "区县", "联系方式", "链接"])
    if spec.kind == "view":
        _protect(sheet)
    styles = CellStyles(sheet)
    for key, leads, sites, districts, contacts, urls in read.groups(spec.where, spec.params, column, XLSX_MAX_ROWS):
        found = sorted({c for c in (contacts or "").split(";") if c})
        places = "；".join(sorted(d for d in (districts or "").split(",") if d))
        named = "；".join(contact_name(c) for c in found)
        sheet.append(
            [key, leads, sites, _inert(sheet, places), _inert(sheet, named), _styled(sheet, styles, urls, "wrap")]
        )


def _summary_sheet(book: Workbook, read: LeadQueries, spec: WorkbookSpec, total: int, written: Written) -> None:
    sheet = book.create_sheet("汇总")
    sheet.column_dimensions["A"].width = 12
    sheet.column_dimensions["B"].width = 40
    if spec.kind == "view":
        _protect(sheet)
        sheet.append(["说明", "只读视图：每次抓取都会重写本文件，请勿在此填写研判结论；请打开 待研判 文件夹中的文件。"])
    else:
        sheet.append(["说明", "在“线索”表的“研判结论”列选择 确认/排除/调查中（待研判 = 重新打开），可在“备注”列填写。"])
    _header(sheet, ["项目", "值", "线索数"])
    scope = "需要研判的线索" if spec.kind == "review" else "全部线索"
    sheet.append(["线索", f"范围内{scope}", total])
    sheet.append(["线索", "本文件中（按新线索、优先级排序）", written.leads])
    if written.repaired:
        ids = " ".join(written.repaired[:50])
        sheet.append(["线索", f"含无法写入表格的字符（已替换为 �）：{ids}", len(written.repaired)])
    categories: Counter[str] = Counter()
    for joined, count in read.counts_by(spec.where, spec.params, "categories"):
        categories.update({c: count for c in str(joined).split(";") if c})
    named = {
        "违规类别": [(category_name(c), n) for c, n in categories.most_common()],
        "区县": read.counts_by(spec.where, spec.params, "district"),
        "研判结论": [(verdict_name(v), n) for v, n in read.counts_by(spec.where, spec.params, "status")],
        "网站": [(spec.site_names.get(s, s), n) for s, n in read.counts_by(spec.where, spec.params, "site")],
    }
    for what, counts in named.items():
        for value, count in counts:
            sheet.append([what, _inert(sheet, value or UNKNOWN_PLACE), count])


def _info_sheet(book: Workbook, spec: WorkbookSpec, written: int) -> None:
    """The hidden sheet review import reads: which export this file is (ids for machines)."""
    sheet = book.create_sheet(INFO_SHEET)
    sheet.sheet_state = "hidden"
    for key, value in (
        ("export_id", spec.export_id),
        ("exported_at", spec.exported_at),
        ("kind", spec.kind),
        ("scope", spec.scope),
        ("filters", spec.filters),
        ("leads", written),
        ("time_zone", spec.tz),
    ):
        sheet.append([key, _inert(sheet, value)])


def leads_xlsx(conn: sqlite3.Connection, out: BinaryIO, spec: WorkbookSpec) -> Written:
    """Write the workbook to ``out``: 线索, 同一联系人, 同一广告, 汇总 and the hidden 导出信息; its lead count.

    Read inside the caller's transaction, every sheet sees the same leads.
    """
    read = LeadQueries(conn)
    where = and_where(spec.where, OPEN) if spec.kind == "review" else spec.where
    total = read.lead_total(where, spec.params)
    book = Workbook(write_only=True)
    book.properties.creator = book.properties.lastModifiedBy = WRITER
    book.properties.title = f"校外培训线索 {spec.scope} {spec.exported_at[:10]}"
    book.properties.identifier = spec.export_id
    written = _leads_sheet(book, read, spec, where, min(total, XLSX_MAX_ROWS))
    _groups_sheet(book, read, spec, "actor_id")
    _groups_sheet(book, read, spec, "case_id")
    _summary_sheet(book, read, spec, total, written)
    _info_sheet(book, spec, written.leads)
    book.save(out)
    return written
