"""The bureau's reports in Chinese: the morning report.html (rendered in chromium) and the period report.docx."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from PIL import Image
from playwright.sync_api import sync_playwright

from crawler.extraction.listing import Listing
from crawler.fetching.rendering import CHROMIUM
from crawler.leads.fingerprint import lead_id
from crawler.leads.store import LeadStore
from crawler.leads.verdicts import Change, set_verdicts
from crawler.reporting.render import write_night_report, write_period_report
from detectors import analyze

NAMES = {"jiajiao": "岳阳家教信息港", "jiazheng": "安心家政服务中心"}
ADS = [
    Listing("http://127.0.0.1:1/a", "", "jiajiao", "tutoring", "初中数学一对一", "老师上门辅导", district="岳阳楼区"),
    Listing("http://127.0.0.1:1/b", "", "jiajiao", "tutoring", "高中物理1v1", "保证提分", district="君山区"),
    Listing("http://127.0.0.1:1/c", "", "jiazheng", "housekeeping", "住家保姆", "可辅导小学作业", city="河源市"),
]
NIGHT = f"{date.today()}T01:00:00+00:00"  # 09:00 in Asia/Shanghai; the verdict below comes later that day


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("zh")
    with LeadStore(root / "db.sqlite") as store:
        run = store.start_run("crawl")
        store.conn.execute("UPDATE runs SET started_at = ? WHERE run_id = ?", (NIGHT, run))
        for ad in ADS:
            store.upsert(ad, analyze(ad.title, ad.body, ad.platform), NIGHT, run_id=run)
        store.record_site(run, "jiajiao", 10, 2, 0, "finished")
        store.record_site(run, "jiazheng", 3, 0, 0, "finished")
        store.finish_run(run, "partial")
        set_verdicts(store, [Change(lead_id(ADS[0].url), "confirmed", "已立案")], "王五", "test")
        night = write_night_report(store, run, root / "reports", NAMES, "Asia/Shanghai")
        today = date.today()
        write_period_report(store, today, today, root / "period", NAMES, "Asia/Shanghai")
    return night


def test_morning_report_leads_with_the_bureaus_view_in_chinese(reports: Path) -> None:
    html = reports.read_text(encoding="utf-8")
    bureau, operator = html.index("新线索"), html.index('id="operator"')
    assert bureau < html.index("待研判线索（按区县）") < html.index("本周已确认") < operator
    assert html.index("<table", operator) > operator and "FAILED 失败: 安心家政服务中心 (jiazheng)" in html[operator:]
    assert f"巡查时间 {date.today()} 09:00" in html, "local time in Asia/Shanghai"
    assert "本周确认<b>1</b>" in html and "王五" not in html[:operator]
    assert "一对一/一对多学科辅导" in html and "住家教师/高端家政带教" in html, "category names, not ids"
    assert "岳阳家教信息港" in html[:operator] and ">jiajiao<" not in html[:operator], "sites by their names"
    assert "依据 岳阳方案 四(二)" in html and "已立案" in html


def test_morning_report_renders_in_chromium(reports: Path, tmp_path: Path) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(reports.as_uri())
            heading = page.inner_text("h1")
            cards = page.inner_text(".cards")
            has_font = page.evaluate("document.fonts.check('16px \"WenQuanYi Micro Hei\"', '校外培训')")
            shot = page.screenshot(full_page=True)
        finally:
            browser.close()
    assert heading.startswith("校外培训线索 每日巡查报告") and "待研判" in cards
    assert has_font, "a CJK font is there to draw the Chinese"
    image = Image.open(io.BytesIO(shot)).convert("L")
    assert image.height > 900 and len(image.getcolors(maxcolors=256) or range(257)) > 16, (
        "a page was drawn, not a blank"
    )


def test_period_report_as_a_word_document_in_chinese(reports: Path) -> None:
    doc = Document(str(reports.parents[3] / "period" / "report.docx"))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:1] == ["一、基本情况"] and "二、问题发现" in headings and "三、执法成果" in headings
    fonts = doc.styles["Normal"].element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == "宋体", "Word and WPS set the Chinese in 宋体"
    text = "\n".join(cell.text for table in doc.tables for row in table.rows for cell in row.cells)
    assert "岳阳家教信息港" in text and "一对一/一对多学科辅导" in text and "已立案" in text
    assert len(doc.inline_shapes) >= 2, "the charts as pictures"


@pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice is not installed (apt-get install libreoffice-writer)"
)
def test_period_docx_renders_chinese_in_libreoffice(reports: Path, tmp_path: Path) -> None:
    docx = reports.parents[3] / "period" / "report.docx"
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(docx),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    text = subprocess.run(["pdftotext", str(tmp_path / "report.pdf"), "-"], capture_output=True, text=True).stdout
    assert "三、执法成果" in text and "岳阳家教信息港" in text
