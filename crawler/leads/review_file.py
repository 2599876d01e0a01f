"""Reading a review file someone brought back (leads.xlsx or leads.csv, edited by hand) within limits.

A returned file is hostile input like a crawled page: a 40 KB workbook can declare a million
rows of 16,384 columns (the reader would pad every row to that), hold one 300 MB string, or be a
zip bomb; a CSV can be gigabytes or hold a 500,000-column header. Everything is checked before
the work it would cost, and each refusal is one ReviewError naming the file and the limit:

- the file's size (MAX_FILE_BYTES);
- an XLSX's parts, before openpyxl opens it: each part's declared uncompressed size (what the
  zip reader will ever inflate) and, streamed through in chunks, its longest run of text, which
  bounds the longest cell (Excel's own 32,767 characters, MAX_CELL_CHARS); then the sheet's
  declared dimension (MAX_COLUMNS); the sheet is read in openpyxl's read-only mode, row by row,
  never more than MAX_COLUMNS cells a row;
- a CSV's encoding (UTF-8, else GB18030 ⊃ GBK) decided in one streamed pass, then rows parsed
  as a stream with the field size limit raised to the longest field the store can hold, and a
  header of at most MAX_COLUMNS.

``review_rows`` yields the rows as lists of strings (the header first); what they mean (ids,
verdicts, conflicts) is crawler/leads/review.py's business.
"""

from __future__ import annotations

import csv
import sqlite3
import zipfile
from collections.abc import Iterator
from pathlib import Path

from crawler.errors import TutorWatchError
from crawler.leads.encodings import hand_edited_encoding
from crawler.leads.xlsx import INFO_SHEET, LEADS_SHEET, WRITER

LEADS_SHEETS = (LEADS_SHEET, "leads")  # the Chinese workbook's sheet, then an older export's
MAX_INFO_ROWS = 50  # the hidden 导出信息 sheet holds a handful

MAX_FILE_BYTES = 256 * 1024 * 1024  # a county's leads.csv of 200,000 leads is about 100 MB
MAX_COLUMNS = 200  # a leads file has 29; Excel allows 16,384
MAX_CELL_CHARS = 32_767  # Excel's limit per cell
# An XML text run of MAX_CELL_CHARS characters is at most this many bytes (an escape such as &quot; is 6 bytes).
MAX_TEXT_RUN_BYTES = MAX_CELL_CHARS * 6
MAX_SHEET_BYTES = 1024 * 1024 * 1024  # a sheet part, inflated (a 20,000-row leads.xlsx: about 25 MB)
MAX_STRINGS_BYTES = 128 * 1024 * 1024  # the shared strings, which openpyxl holds in memory whole
MAX_OTHER_PART_BYTES = 16 * 1024 * 1024  # styles, workbook, relationships …
CHUNK = 1024 * 1024


class ReviewError(TutorWatchError):
    exit_code = 6


def _longest_field() -> int:
    """The longest text the store can hold (SQLite's length limit), within what the file limit lets in."""
    conn = sqlite3.connect(":memory:")
    try:
        return min(conn.getlimit(sqlite3.SQLITE_LIMIT_LENGTH), MAX_FILE_BYTES)
    finally:
        conn.close()


def review_rows(path: Path) -> Iterator[list[str]]:
    """The rows of a review file, header first, as strings; raises ReviewError before any costly work."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ReviewError(f"{path}: cannot read: {exc.strerror}") from None
    if size > MAX_FILE_BYTES:
        raise ReviewError(
            f"{path}: {size / 2**20:,.0f} MB; a review file may be at most {MAX_FILE_BYTES // 2**20} MB"
            " (export a county's own leads with `tutorwatch export --region`)"
        )
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _xlsx_rows(path)
    return _csv_rows(path)


def _csv_rows(path: Path) -> Iterator[list[str]]:
    encoding = hand_edited_encoding(path)  # Excel/WPS on Chinese Windows re-save as GBK
    if encoding is None:
        raise ReviewError(f"{path}: neither UTF-8 nor GBK/GB18030 text")
    csv.field_size_limit(_longest_field())
    with path.open(encoding=encoding, newline="") as handle:
        reader = csv.reader(handle)
        try:
            for number, row in enumerate(reader, start=1):
                if number == 1 and len(row) > MAX_COLUMNS:
                    raise ReviewError(
                        f"{path}: the header has {len(row):,} columns; a review file has at most {MAX_COLUMNS}"
                    )
                yield row
        except csv.Error as exc:
            raise ReviewError(f"{path}: line {reader.line_num}: not CSV ({exc})") from None


def _part_limit(name: str) -> int:
    if name.startswith("xl/worksheets/"):
        return MAX_SHEET_BYTES
    if name == "xl/sharedStrings.xml":
        return MAX_STRINGS_BYTES
    return MAX_OTHER_PART_BYTES


def _longest_text_run(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> int:
    """The longest run of bytes without '<' in an XML part: no text node or attribute is longer."""
    longest = run = 0
    with archive.open(info) as part:
        while chunk := part.read(CHUNK):
            pieces = chunk.split(b"<")
            if len(pieces) == 1:
                run += len(chunk)
            else:
                longest = max(longest, run + len(pieces[0]), *(len(piece) for piece in pieces[1:-1]))
                run = len(pieces[-1])
            if max(longest, run) > MAX_TEXT_RUN_BYTES:
                return max(longest, run)
    return max(longest, run)


def _check_parts(path: Path) -> None:
    """Every part's inflated size and longest text, before openpyxl reads any of it."""
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                limit = _part_limit(info.filename)
                if info.file_size > limit:
                    raise ReviewError(
                        f"{path}: part {info.filename} inflates to {info.file_size / 2**20:,.0f} MB"
                        f" (at most {limit // 2**20} MB): not a leads workbook"
                    )
                if info.filename.endswith((".xml", ".rels")) and _longest_text_run(archive, info) > MAX_TEXT_RUN_BYTES:
                    raise ReviewError(
                        f"{path}: part {info.filename} holds a cell or value longer than Excel's"
                        f" {MAX_CELL_CHARS:,} characters: not a leads workbook"
                    )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError) as exc:
        raise ReviewError(f"{path}: not a readable .xlsx file ({type(exc).__name__})") from None


def _xlsx_rows(path: Path) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    _check_parts(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, TypeError, EOFError) as exc:
        raise ReviewError(f"{path}: not a readable .xlsx file ({type(exc).__name__})") from None
    try:
        name = next((n for n in LEADS_SHEETS if n in book.sheetnames), None)
        sheet = book[name] if name else book.worksheets[0]
        declared = sheet.max_column or 0  # from <dimension ref=…>, which the reader would pad every row to
        if declared > MAX_COLUMNS:
            raise ReviewError(
                f"{path}: sheet {sheet.title!r} declares {declared:,} columns; a review file has at most {MAX_COLUMNS}"
            )
        sheet.reset_dimensions()  # the declared rows are not trusted either: only rows present are read
        for row in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
            if row.count(None) == len(row):  # the reader fills gaps between rows with empty ones: cheap to skip
                yield []
                continue
            cells = ["" if value is None else str(value) for value in row]
            while cells and not cells[-1]:
                cells.pop()
            yield cells
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, EOFError) as exc:
        raise ReviewError(f"{path}: not a readable .xlsx file ({type(exc).__name__})") from None
    finally:
        book.close()


def workbook_facts(path: Path) -> tuple[str, str]:
    """The export id of a workbook's hidden sheet and who saved it last ('' while TutorWatch is its last writer).

    Called after ``review_rows`` has read the workbook, so its parts have passed the checks.
    """
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, TypeError, EOFError) as exc:
        raise ReviewError(f"{path}: not a readable .xlsx file ({type(exc).__name__})") from None
    try:
        info: dict[str, str] = {}
        if INFO_SHEET in book.sheetnames:
            sheet = book[INFO_SHEET]
            sheet.reset_dimensions()
            for row in sheet.iter_rows(max_row=MAX_INFO_ROWS, max_col=2, values_only=True):
                if len(row) > 1 and row[0] is not None:
                    info[str(row[0])] = "" if row[1] is None else str(row[1])
        by = book.properties.lastModifiedBy or ""
    finally:
        book.close()
    return info.get("export_id", ""), "" if by == WRITER else by
