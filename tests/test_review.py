"""The analyst's round trip: a workbook of their own out, verdicts and notes back in, never lost, with history."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import subprocess
import zipfile
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from crawler.extraction.listing import Listing
from crawler.leads.export import ExportSettings, export_store
from crawler.leads.filters import Filters
from crawler.leads.fingerprint import lead_id
from crawler.leads.review import ReviewError, import_review
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
        "老师上门，周末上课，电话 138 0000 1234",
        district="岳阳楼区",
        city="岳阳市",
    ),
    Listing(
        "http://127.0.0.1:1/p/2",
        "http://127.0.0.1:1/p/2",
        "s",
        "tutoring",
        '=HYPERLINK("http://x","点")',
        "高中物理1v1辅导，保证提分，VX: abc_123",
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
FIRST, SECOND, THIRD = (lead_id(ad.url) for ad in ADS)
DAY1, DAY2 = date(2026, 11, 1), date(2026, 11, 2)
ANALYST = ExportSettings(site_names={"s": "岳阳家教信息港"}, workbook="always")


def run(db: Path, reports: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TUTORWATCH_MODEL": "none"}
    return subprocess.run(
        [TUTORWATCH, "--db", str(db), "--reports-dir", str(reports), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def crawl(store: LeadStore, day: date, ads: list[Listing] = ADS) -> None:
    """A night's pages through the store (UTC times, so the workbook's Asia/Shanghai dates are checkable)."""
    for ad in ads:
        store.upsert(ad, analyze(ad.title, ad.body, ad.platform), f"{day}T01:00:00+00:00")


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    with LeadStore(tmp_path / "db.sqlite") as store:
        crawl(store, DAY1)
        export_store(store, tmp_path / "reports", DAY1, settings=ANALYST)
    return tmp_path


def workbook(root: Path, day: date = DAY1, number: int = 1) -> Path:
    suffix = "" if number == 1 else f"-{number}"
    return root / "reports" / "待研判" / f"线索-全部-{day}{suffix}.xlsx"


def verdicts(db: Path) -> dict[str, tuple[str, str]]:
    with LeadStore(db) as store:
        return {r["lead_id"]: (r["status"], r["notes"]) for r in store.conn.execute("SELECT * FROM leads")}


def edit_xlsx(path: Path, changes: dict[str, tuple[str | None, str | None]], by: str = "张三") -> None:
    """What an analyst does in Excel: pick verdicts, type notes, save (Excel records who saved)."""
    book = load_workbook(path)
    sheet = book["线索"]
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        key = row[header.index("线索编号")].value
        if key in changes:
            row[header.index("研判结论")].value, row[header.index("备注")].value = changes[key]
    book.properties.lastModifiedBy = by
    book.save(path)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_workbook_opens_in_chinese_with_a_strict_drop_down_frozen_key_columns_and_real_dates(store_dir: Path) -> None:
    book = load_workbook(workbook(store_dir))
    assert book.sheetnames == ["线索", "同一联系人", "同一广告", "汇总", "导出信息"]
    assert book["导出信息"].sheet_state == "hidden"
    sheet = book["线索"]
    header = [c.value for c in sheet[1]]
    assert header[:6] == ["研判结论", "标题", "违规类别", "区县", "说明", "备注"]
    assert sheet.freeze_panes == "F2", "verdict, title, category, district and explanation stay in view"
    [choices] = sheet.data_validations.dataValidation
    assert choices.formula1 == '"确认,排除,调查中,待研判"' and str(choices.sqref).startswith("A2")
    assert choices.errorStyle == "stop" and choices.showErrorMessage, "a typo is an error in Excel and WPS"
    xml = zipfile.ZipFile(workbook(store_dir)).read("xl/worksheets/sheet1.xml").decode()
    assert 'showErrorMessage="1"' in xml and 'errorStyle="stop"' in xml
    hidden = {name for i, name in enumerate(header, start=1) if sheet.column_dimensions[get_column_letter(i)].hidden}
    assert hidden == {"线索编号", "研判版本"}
    rows = {
        r[header.index("线索编号")]: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(2, values_only=True)
    }
    first = rows[FIRST]
    assert first["首次发现"] == datetime(2026, 11, 1, 9, 0), "01:00 UTC is 09:00 in Asia/Shanghai, a real date"
    assert sheet.cell(2, header.index("首次发现") + 1).number_format == "yyyy-mm-dd hh:mm"
    assert first["违规类别"] == "节假日/寒暑假学科培训、一对一/一对多学科辅导"
    assert "「一对一/一对多学科辅导」原文“数学一对一”；依据 岳阳方案 四(二)：" in first["说明"]
    assert "一对一辅导、拼课等形式面向中小学生开展学科类培训" in first["说明"], "the clause's own words"
    assert first["网站"] == "岳阳家教信息港" and first["平台"] == "培训广告" and first["新/变化"] == "新线索"
    assert first["识别出的联系方式"] == "电话 13800001234", "spaced digits read as the number"
    assert "微信 abc_123" in rows[SECOND]["识别出的联系方式"]
    assert "优先级" in header and first["优先级依据"].startswith("一对一/一对多学科辅导 4")
    assert sheet.cell(2, 2).alignment.wrap_text and sheet.cell(2, 5).alignment.wrap_text
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.print_title_rows == "$1:$1"
    info = dict(book["导出信息"].iter_rows(values_only=True))
    assert info["kind"] == "review" and info["export_id"].startswith("20261101-")


def test_the_rolling_leads_xlsx_is_a_read_only_view(store_dir: Path) -> None:
    book = load_workbook(store_dir / "reports" / "leads.xlsx")
    sheet = book["线索"]
    assert sheet.protection.sheet and not sheet.data_validations.dataValidation
    assert not sheet.protection.autoFilter, "filtering stays allowed"
    assert "请勿在此填写" in book["汇总"]["B1"].value


def test_an_edited_workbook_survives_crawls_and_exports_and_imports_afterwards(store_dir: Path) -> None:
    mine = workbook(store_dir)
    edit_xlsx(mine, {FIRST: ("确认", "已约谈"), SECOND: ("排除", None)})
    edited = digest(mine)
    with LeadStore(store_dir / "db.sqlite") as store:  # three more nights, each with its exports
        for night, day in enumerate((DAY2, date(2026, 11, 3), date(2026, 11, 4))):
            changed = [replace(ADS[2], body=ADS[2].body + f"，第{night}晚") if night == 1 else ADS[2], *ADS[:2]]
            crawl(store, day, changed)
            export_store(store, store_dir / "reports", DAY1, settings=ANALYST)
    assert digest(mine) == edited, "no export ever touches the analyst's file"
    assert workbook(store_dir, DAY1, 4).exists() and not workbook(store_dir, DAY1, 5).exists()
    result = run(store_dir / "db.sqlite", store_dir / "reports", "review", "import", str(mine))
    assert result.returncode == 0, result.stderr
    assert verdicts(store_dir / "db.sqlite")[FIRST] == ("confirmed", "已约谈")
    assert verdicts(store_dir / "db.sqlite")[SECOND] == ("dismissed", "")
    with LeadStore(store_dir / "db.sqlite") as store:
        [entry] = store.read.history(FIRST)
    assert (entry["old_status"], entry["new_status"], entry["new_notes"]) == ("", "confirmed", "已约谈")
    assert entry["reviewer"] == "张三", "Excel's last-modified-by names the reviewer"
    assert entry["source"].startswith("线索-全部-2026-11-01.xlsx (20261101-")
    rows = {
        r["lead_id"]: r
        for r in csv.DictReader(io.StringIO((store_dir / "reports" / "leads.csv").read_text("utf-8-sig")))
    }
    assert (rows[FIRST]["status"], rows[FIRST]["notes"], rows[FIRST]["verdict_rev"]) == ("确认", "已约谈", "1")


def test_an_older_file_cannot_undo_a_newer_verdict(store_dir: Path) -> None:
    older = workbook(store_dir)
    with LeadStore(store_dir / "db.sqlite") as store:
        export_store(store, store_dir / "reports", DAY1, settings=ANALYST)
    newer = workbook(store_dir, DAY1, 2)
    edit_xlsx(newer, {FIRST: ("排除", "电话核实为成人英语")}, by="李四")
    assert run(store_dir / "db.sqlite", store_dir / "reports", "review", "import", str(newer)).returncode == 0
    edit_xlsx(older, {FIRST: ("确认", "先确认"), SECOND: ("调查中", None)})
    result = run(store_dir / "db.sqlite", store_dir / "reports", "review", "import", str(older))
    assert result.returncode == 3, result.stderr
    assert "conflict: row " in result.stderr and FIRST in result.stderr and "李四" in result.stderr
    stored = verdicts(store_dir / "db.sqlite")
    assert stored[FIRST] == ("dismissed", "电话核实为成人英语"), "the newer verdict and its note stand"
    assert stored[SECOND] == ("investigating", ""), "the rest of the older file is imported"
    untouched = workbook(store_dir, DAY1, 2)
    assert run(store_dir / "db.sqlite", store_dir / "reports", "review", "import", str(untouched)).returncode == 0, (
        "a file that merely still shows the state it was exported with changes nothing and is no conflict"
    )


def test_a_csv_without_revisions_cannot_undo_a_verdict_either(store_dir: Path) -> None:
    db = store_dir / "db.sqlite"
    assert run(db, store_dir / "reports", "review", "set", FIRST, "确认", "--reviewer", "王五").returncode == 0
    review = store_dir / "old.csv"
    review.write_text(f"lead_id,status,notes\n{FIRST},排除,\n{THIRD},调查中,\n", encoding="utf-8")
    with LeadStore(db) as store:
        applied = import_review(store, review)
    assert [c.change.lead_id for c in applied.conflicts] == [FIRST] and applied.verdicts == 1
    assert verdicts(db)[FIRST][0] == "confirmed" and verdicts(db)[THIRD][0] == "investigating"


def test_every_bad_row_of_a_refused_file_is_named_and_nothing_is_written(store_dir: Path) -> None:
    review = store_dir / "bad.csv"
    review.write_text(
        f"lead_id,status,notes,verdict_rev\n{FIRST},确认,ok,0\nLdeadbeef0000,确认,,0\n{SECOND},好的,,0\n"
        f"{THIRD},排除,,x\n{THIRD},确认,,0\n{FIRST},确认,ok,7\n{FIRST},排除,,0\n",
        encoding="utf-8",
    )
    before = verdicts(store_dir / "db.sqlite")
    with LeadStore(store_dir / "db.sqlite") as store, pytest.raises(ReviewError) as refused:
        import_review(store, review)
    message = str(refused.value)
    assert "5 bad row(s), nothing was imported" in message and "\n" not in message
    for row, why in (
        (3, "unknown lead_id 'Ldeadbeef0000'"),
        (4, "verdict '好的' is not one of 确认/排除/调查中/待研判"),
        (5, "revision 'x' is not a number"),
        (7, f"lead {FIRST} at revision 7, newer than this database's 0"),
        (8, f"lead {FIRST} is also on row 2 with another verdict or note"),
    ):
        assert f"row {row}: {why}" in message
    assert "row 2:" not in message and "row 6:" not in message
    assert verdicts(store_dir / "db.sqlite") == before


def test_review_set_history_and_reopening(store_dir: Path) -> None:
    db, reports = store_dir / "db.sqlite", store_dir / "reports"
    done = run(db, reports, "review", "set", FIRST, SECOND, "调查中", "--note", "转市场监管", "--reviewer", "王五")
    assert done.returncode == 0, done.stderr
    edit_xlsx(workbook(store_dir), {})  # nothing chosen: importing it changes nothing
    mine = store_dir / "mine.xlsx"
    with LeadStore(db) as store:
        mine.write_bytes(workbook(store_dir).read_bytes())
        export_store(store, reports, DAY1, settings=ANALYST)
    edit_xlsx(workbook(store_dir, DAY1, 2), {FIRST: ("确认", "已立案")}, by="赵六")
    assert run(db, reports, "review", "import", str(workbook(store_dir, DAY1, 2))).returncode == 0
    assert run(db, reports, "review", "set", FIRST, "待研判", "--reviewer", "王五").returncode == 0
    assert verdicts(db)[FIRST] == ("", "已立案"), "reopened: a verdict like the others, the note kept"
    with LeadStore(db) as store:
        steps = [(h["old_status"], h["new_status"], h["reviewer"]) for h in store.read.history(FIRST)]
    assert steps == [("", "investigating", "王五"), ("investigating", "confirmed", "赵六"), ("confirmed", "", "王五")]
    shown = run(db, reports, "--tz", "Asia/Shanghai", "review", "history", FIRST)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert "调查中 → 确认" in lines[-2] and "赵六" in lines[-2] and "线索-全部-2026-11-01-2.xlsx" in lines[-2]
    assert "确认 → 待研判" in lines[-1] and "review set" in lines[-1]
    unknown = run(db, reports, "review", "set", "Lnothere0000", "确认")
    assert unknown.returncode == 1 and "no lead Lnothere0000" in unknown.stderr


def test_blank_cells_never_erase(store_dir: Path) -> None:
    mine = workbook(store_dir)
    edit_xlsx(mine, {FIRST: ("调查中", "先核实")})
    assert run(store_dir / "db.sqlite", store_dir / "reports", "review", "import", str(mine)).returncode == 0
    with LeadStore(store_dir / "db.sqlite") as store:
        export_store(store, store_dir / "reports", DAY1, settings=ANALYST)
    later = workbook(store_dir, DAY1, 2)
    edit_xlsx(later, {FIRST: (None, None)})
    assert run(store_dir / "db.sqlite", store_dir / "reports", "review", "import", str(later)).returncode == 0
    assert verdicts(store_dir / "db.sqlite")[FIRST] == ("investigating", "先核实")


def test_workbook_cells_are_text_never_formulas(store_dir: Path) -> None:
    sheet = load_workbook(workbook(store_dir))["线索"]
    titles = [row[1] for row in sheet.iter_rows(min_row=2)]
    hostile = [cell for cell in titles if str(cell.value).startswith("=")]
    assert hostile and all(cell.data_type == "s" for cell in hostile)
    assert sheet.auto_filter.ref.startswith("A1:")


def test_a_nightly_crawl_writes_a_workbook_only_when_something_is_new(store_dir: Path) -> None:
    nightly = replace(ANALYST, workbook="if-new")
    changed = replace(ADS[0], body=ADS[0].body + "，寒假班")
    with LeadStore(store_dir / "db.sqlite") as store:  # the nights happen now, after the first workbook
        for ad in ADS:
            store.upsert(ad, analyze(ad.title, ad.body, ad.platform))
        quiet = export_store(store, store_dir / "reports", DAY2, settings=nightly)
        last = store.read.last_export("全部", "review")
        assert last is not None
        # A later second than the last workbook's: times are to the second, and the exports before this
        # can end within the one the last workbook was written in (a lead changed then is in that workbook).
        later = (datetime.fromisoformat(last["created_at"]) + timedelta(seconds=1)).isoformat(timespec="seconds")
        store.upsert(changed, analyze(changed.title, changed.body, changed.platform), later)
        busy = export_store(store, store_dir / "reports", DAY2, settings=nightly)
    assert quiet.workbook is None and busy.workbook == workbook(store_dir, DAY2)
    sheet = load_workbook(busy.workbook)["线索"]
    first = next(sheet.iter_rows(min_row=2, values_only=True))
    assert first[6] == "有变化" and first[-2] == FIRST, "new and changed leads come first"


def test_a_lead_changed_in_the_second_of_the_last_workbook_is_not_new_again(store_dir: Path) -> None:
    """Times are to the second: a night's last change and the export after it often share one."""
    nightly = replace(ANALYST, workbook="if-new")
    with LeadStore(store_dir / "db.sqlite") as store:
        last = store.read.last_export("全部", "review")
        assert last is not None
        store.conn.execute("UPDATE leads SET changed_at = ? WHERE lead_id = ?", (last["created_at"], FIRST))
        store.commit()
        quiet = export_store(store, store_dir / "reports", DAY2, settings=nightly)
    assert quiet.workbook is None, "the lead was in the last workbook already"


def test_dismissed_lead_returns_only_when_its_page_changes(store_dir: Path) -> None:
    db = store_dir / "db.sqlite"
    assert run(db, store_dir / "reports", "review", "set", SECOND, "排除").returncode == 0
    with LeadStore(db) as store:
        changed = replace(ADS[1], body=ADS[1].body + "，寒假班名额3个")
        for day, ad in ((DAY2, ADS[1]), (date(2026, 11, 3), changed)):
            store.upsert(ad, analyze(ad.title, ad.body, ad.platform), f"{day}T01:00:00")
            export_store(store, store_dir / "reports", day)
    day2 = (store_dir / "reports" / f"leads-{DAY2}.csv").read_text("utf-8-sig")
    day3 = list(csv.DictReader(io.StringIO((store_dir / "reports" / "leads-2026-11-03.csv").read_text("utf-8-sig"))))
    assert SECOND not in day2
    assert [r["changed_since_verdict"] for r in day3 if r["lead_id"] == SECOND] == ["yes"]


def test_a_county_export_goes_to_its_own_folder(store_dir: Path) -> None:
    city = digest(store_dir / "reports" / "leads.csv")
    result = run(store_dir / "db.sqlite", store_dir / "reports", "export", "--region", "河源市")
    assert result.returncode == 0, result.stderr
    county = store_dir / "reports" / "河源市"
    [mine] = (county / "待研判").glob("线索-河源市-*.xlsx")
    rows = list(csv.DictReader(io.StringIO((county / "leads.csv").read_text("utf-8-sig"))))
    assert [r["lead_id"] for r in rows] == [THIRD] and mine.exists()
    assert digest(store_dir / "reports" / "leads.csv") == city, "the city-wide files are left alone"
    bad = run(store_dir / "db.sqlite", store_dir / "reports", "export", "--region", "../etc")
    assert bad.returncode == 2 and "cannot name a folder" in bad.stderr


def test_region_filter_and_labels_for_training(store_dir: Path) -> None:
    with LeadStore(store_dir / "db.sqlite") as store:
        total = export_store(store, store_dir / "county", DAY1, Filters(region="河源市")).total
    assert total == 1
    assert run(store_dir / "db.sqlite", store_dir / "reports", "review", "set", THIRD, "确认").returncode == 0
    labels = store_dir / "labels.jsonl"
    result = run(store_dir / "db.sqlite", store_dir / "reports", "review", "labels", "--out", str(labels))
    assert result.returncode == 0, result.stderr
    [item] = load_labelled([labels])
    assert item.categories and item.text == ADS[2].body
    stats = run(store_dir / "db.sqlite", store_dir / "reports", "stats")
    assert "precision" in stats.stdout and "1.00" in stats.stdout
    assert json.loads(labels.read_text(encoding="utf-8"))["platform"] == "housekeeping"
