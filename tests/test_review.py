"""The analyst's round trip: leads.xlsx / leads.csv out, verdicts and notes back in, remembered."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from crawler.extraction.listing import Listing
from crawler.leads.export import export_store
from crawler.leads.filters import Filters
from crawler.leads.fingerprint import lead_id
from crawler.leads.store import LeadStore
from detectors import analyze
from detectors.evaluation import load_labelled
from tests.conftest import TUTORWATCH

ADS = [
    Listing(
        "http://127.0.0.1:1/p/1",
        "http://127.0.0.1:1/p/1",
        "s",
        "tutoring",
        "初中数学一对一",
        "老师上门，周末上课",
        district="岳阳楼区",
        city="岳阳市",
    ),
    Listing(
        "http://127.0.0.1:1/p/2",
        "http://127.0.0.1:1/p/2",
        "s",
        "tutoring",
        '=HYPERLINK("http://x","点")',
        "高中物理1v1辅导，保证提分",
        district="君山区",
        city="岳阳市",
    ),
    Listing(
        "http://127.0.0.1:1/p/3",
        "http://127.0.0.1:1/p/3",
        "s",
        "housekeeping",
        "住家保姆",
        "可辅导小学作业",
        district="源城区",
        city="河源市",
    ),
]
DAY1, DAY2 = date(2026, 11, 1), date(2026, 11, 2)


def run(db: Path, reports: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TUTORWATCH_MODEL": "none"}
    return subprocess.run(
        [TUTORWATCH, "--db", str(db), "--reports-dir", str(reports), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    with LeadStore(tmp_path / "db.sqlite") as store:
        for ad in ADS:
            assert store.upsert(ad, analyze(ad.title, ad.body, ad.platform), f"{DAY1}T01:00:00") == "new"
        export_store(store, tmp_path / "reports", DAY1)
    return tmp_path


def verdicts(db: Path) -> dict[str, tuple[str, str]]:
    with LeadStore(db) as store:
        return {r["lead_id"]: (r["status"], r["notes"]) for r in store.conn.execute("SELECT * FROM leads")}


def edit_xlsx(path: Path, changes: dict[str, tuple[str, str]]) -> None:
    book = load_workbook(path)
    sheet = book["leads"]
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        key = row[header.index("lead_id")].value
        if key in changes:
            row[header.index("status")].value, row[header.index("notes")].value = changes[key]
    book.save(path)


def test_xlsx_round_trip_is_remembered_by_the_next_crawl(store_dir: Path) -> None:
    first, second = lead_id(ADS[0].url), lead_id(ADS[1].url)
    xlsx = store_dir / "reports" / "leads.xlsx"
    edit_xlsx(xlsx, {first: ("确认", "已约谈"), second: ("排除", "")})
    result = run(store_dir / "db.sqlite", store_dir / "reports", "review", "import", str(xlsx))
    assert result.returncode == 0, result.stderr
    assert verdicts(store_dir / "db.sqlite")[first] == ("confirmed", "已约谈")
    assert verdicts(store_dir / "db.sqlite")[second] == ("dismissed", "")
    with LeadStore(store_dir / "db.sqlite") as store:  # the next night: the same pages again
        for ad in ADS:
            store.upsert(ad, analyze(ad.title, ad.body, ad.platform), f"{DAY2}T01:00:00")
        export_store(store, store_dir / "reports", DAY2)
    rows = {
        r["lead_id"]: r
        for r in csv.DictReader(io.StringIO((store_dir / "reports" / "leads.csv").read_text("utf-8-sig")))
    }
    assert (rows[first]["status"], rows[first]["notes"]) == ("确认", "已约谈")
    assert rows[second]["status"] == "排除" and rows[second]["changed_since_verdict"] == ""


def test_blank_cells_never_erase(store_dir: Path) -> None:
    first = lead_id(ADS[0].url)
    xlsx = store_dir / "reports" / "leads.xlsx"
    edit_xlsx(xlsx, {first: ("调查中", "先核实")})
    assert run(store_dir / "db.sqlite", store_dir / "reports", "review", "import", str(xlsx)).returncode == 0
    edit_xlsx(xlsx, {first: (None, None)})
    assert run(store_dir / "db.sqlite", store_dir / "reports", "review", "import", str(xlsx)).returncode == 0
    assert verdicts(store_dir / "db.sqlite")[first] == ("investigating", "先核实")


def test_xlsx_cells_are_text_never_formulas(store_dir: Path) -> None:
    sheet = load_workbook(store_dir / "reports" / "leads.xlsx")["leads"]
    header = [c.value for c in sheet[1]]
    titles = [row[header.index("title")] for row in sheet.iter_rows(min_row=2)]
    hostile = [cell for cell in titles if str(cell.value).startswith("=")]
    assert hostile and all(cell.data_type == "s" for cell in hostile)
    assert sheet.freeze_panes == "B2" and sheet.auto_filter.ref.startswith("A1:")
    assert sheet.data_validations.dataValidation[0].formula1 == '"确认,排除,调查中"'


def test_dismissed_lead_returns_only_when_its_page_changes(store_dir: Path) -> None:
    second = lead_id(ADS[1].url)
    with LeadStore(store_dir / "db.sqlite") as store:
        store.conn.execute(
            "UPDATE leads SET status = 'dismissed', verdict_hash = content_hash WHERE lead_id = ?", (second,)
        )
        changed = replace(ADS[1], body=ADS[1].body + "，寒假班名额3个")
        for day, ad in ((DAY2, ADS[1]), (date(2026, 11, 3), changed)):
            store.upsert(ad, analyze(ad.title, ad.body, ad.platform), f"{day}T01:00:00")
            export_store(store, store_dir / "reports", day)
    day2 = (store_dir / "reports" / f"leads-{DAY2}.csv").read_text("utf-8-sig")
    day3 = list(csv.DictReader(io.StringIO((store_dir / "reports" / "leads-2026-11-03.csv").read_text("utf-8-sig"))))
    assert second not in day2
    assert [r["changed_since_verdict"] for r in day3 if r["lead_id"] == second] == ["yes"]


def test_region_filter_and_labels_for_training(store_dir: Path) -> None:
    with LeadStore(store_dir / "db.sqlite") as store:
        total, _ = export_store(store, store_dir / "county", DAY1, Filters(region="河源市"))
        store.conn.execute("UPDATE leads SET status = 'confirmed' WHERE lead_id = ?", (lead_id(ADS[2].url),))
    assert total == 1
    labels = store_dir / "labels.jsonl"
    result = run(store_dir / "db.sqlite", store_dir / "reports", "review", "labels", "--out", str(labels))
    assert result.returncode == 0, result.stderr
    [item] = load_labelled([labels])
    assert item.categories and item.text == ADS[2].body
    stats = run(store_dir / "db.sqlite", store_dir / "reports", "stats")
    assert "precision" in stats.stdout and "1.00" in stats.stdout
    assert json.loads(labels.read_text(encoding="utf-8"))["platform"] == "housekeeping"
