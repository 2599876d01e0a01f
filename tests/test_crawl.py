"""End to end: a real crawl of the four sample platforms (one rendered in chromium), twice, through the CLI."""

from __future__ import annotations

import csv
import io
import re
import shutil
import signal
import sqlite3
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from openpyxl import load_workbook

from crawler.leads.export import LEAD_COLUMNS
from tests.conftest import TUTORWATCH, Samples, Workspace
from tests.support.processes import all_ended, spawned_workers

# Controls: listings that must become leads (with a category the rules must find), and clean
# listings that must not. Picked from the sample data by reading them against the labelling guide.
MUST_FLAG = {
    "jc004": "one_on_one",  # GBK page, 繁体 壹對壹上門輔導
    "jc008": "crowdfunded_tutor",
    "jc010": "crowdfunded_tutor",
    "jc044": "false_advertising",
    "gj015": "tutor_recruitment",  # from the JS-built job list
    "gj037": "home_tutor",
    "jz002": "home_tutor",
    "jz043": "tutor_recruitment",
    "tc001": "crowdfunded_tutor",  # found only through the rendered feed
}
MUST_NOT_FLAG = [
    "jc001",  # 一对一钢琴
    "jc007",  # 教育局提醒 quoting 一对一 / 众筹私教
    "jc020",  # a parent asking whether 一对一 is legal
    "jc028",  # adult IELTS
    "gj028",  # a school hiring contract teachers
    "gj035",  # 育儿嫂, 不用辅导作业
    "jz011",  # 住家保姆, 只负责生活照料
    "jz021",  # 保洁年卡 原价/现价: a discount, but not on training
    "tc004",  # 教育局提醒 quoting 众筹私教 / 一对一上门
]


@dataclass
class CrawlResult:
    first: object
    second: object
    csv_first: bytes
    csv_second: bytes
    workspace: Workspace
    second_night_hits: dict[str, int]  # requests per path the second crawl made, all sites
    workbooks: tuple[list[Path], list[Path]]  # the analyst's workbooks after the first and after the second crawl


def hits(samples: Samples) -> dict[str, int]:
    """Requests per path (with query) so far, summed over the sample sites (the servers' own counter)."""
    total: dict[str, int] = {}
    for (_, path), count in list(samples.hits.items()):
        total[path] = total.get(path, 0) + count
    return total


def rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory, samples: Samples) -> CrawlResult:
    ws = Workspace(tmp_path_factory.mktemp("crawl"), samples)
    first = ws.run("crawl")
    csv_first = (ws.reports / "leads.csv").read_bytes()
    workbooks_first = sorted((ws.reports / "待研判").glob("*.xlsx"))
    before = hits(samples)
    second = ws.run("crawl")
    after = hits(samples)
    csv_second = (ws.reports / "leads.csv").read_bytes()
    workbooks = (workbooks_first, sorted((ws.reports / "待研判").glob("*.xlsx")))
    second_night = {path: after[path] - before.get(path, 0) for path in after if after[path] > before.get(path, 0)}
    return CrawlResult(first, second, csv_first, csv_second, ws, second_night, workbooks)


def page_urls(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [row[0] for row in conn.execute("SELECT url FROM pages")]


def test_crawl_succeeds_and_reports_each_site(crawled: CrawlResult) -> None:
    assert crawled.first.returncode == 0, crawled.first.stderr
    for site in ("jiajiao_classifieds", "gig_jobs", "jiazheng_agency", "tongcheng_circle"):
        assert site in crawled.first.stdout


def test_every_sample_detail_page_is_collected_once(crawled: CrawlResult, sample_listings: dict) -> None:
    urls = page_urls(crawled.workspace.db)
    assert len(urls) == len(set(urls)) == len(sample_listings)
    ids = {url.rsplit("/", 1)[-1].removesuffix(".html") for url in urls}
    assert ids == set(sample_listings)
    assert not [u for u in urls if "?" in u], "query-string variants must collapse to one canonical URL"


def test_gbk_site_decodes_to_the_written_text(crawled: CrawlResult, sample_listings: dict) -> None:
    with sqlite3.connect(crawled.workspace.db) as conn:
        conn.row_factory = sqlite3.Row
        leads = {r["url"].rsplit("/", 1)[-1].removesuffix(".html"): r for r in conn.execute("SELECT * FROM leads")}
    gbk = [lid for lid in leads if lid.startswith("jc")]
    assert gbk, "the GBK site must yield leads"
    for lid in gbk:
        assert leads[lid]["title"] == sample_listings[lid]["title"].strip()
        assert leads[lid]["contact"] == sample_listings[lid]["contact"]


def test_js_built_job_list_is_covered_through_its_api(crawled: CrawlResult, sample_listings: dict) -> None:
    jobs = [u for u in page_urls(crawled.workspace.db) if "/job/" in u]
    assert len(jobs) == sum(1 for item in sample_listings.values() if item["site"] == "gig_jobs")


def test_control_listings_are_flagged_or_left_alone(crawled: CrawlResult) -> None:
    by_id = {r["url"].rsplit("/", 1)[-1].removesuffix(".html"): r for r in rows(crawled.csv_first)}
    for listing_id, category in MUST_FLAG.items():
        assert listing_id in by_id, f"{listing_id} should be a lead"
        assert category in by_id[listing_id]["categories"].split(";")
    for listing_id in MUST_NOT_FLAG:
        assert listing_id not in by_id, f"{listing_id} is clean and must not be a lead"


def test_leads_file_has_the_documented_columns_and_bom(crawled: CrawlResult) -> None:
    assert crawled.csv_first.startswith(b"\xef\xbb\xbf")
    header = next(csv.reader(io.StringIO(crawled.csv_first.decode("utf-8-sig"))))
    assert tuple(header) == LEAD_COLUMNS
    for row in rows(crawled.csv_first):
        assert row["rules"] and row["basis"] and row["matched_text"]
        assert 0.5 <= float(row["score"]) <= 1


def test_recrawl_adds_no_duplicates_and_keeps_first_seen(crawled: CrawlResult) -> None:
    assert crawled.second.returncode == 0, crawled.second.stderr
    first, second = rows(crawled.csv_first), rows(crawled.csv_second)
    assert [r["lead_id"] for r in second] == [r["lead_id"] for r in first]
    assert len({r["lead_id"] for r in second}) == len(second)
    before = {r["lead_id"]: r for r in first}
    for row in second:
        assert row["first_seen"] == before[row["lead_id"]]["first_seen"]
        assert row["times_seen"] == "2"


def test_daily_file_holds_todays_new_leads(crawled: CrawlResult) -> None:
    daily = list(crawled.workspace.reports.glob("leads-????-??-??.csv"))
    assert len(daily) == 1
    assert {r["lead_id"] for r in rows(daily[0].read_bytes())} == {r["lead_id"] for r in rows(crawled.csv_second)}


def test_every_lead_keeps_its_page_as_verifiable_evidence(crawled: CrawlResult, tmp_path: Path) -> None:
    ws = crawled.workspace
    verified = ws.run("evidence", "verify")
    assert verified.returncode == 0, verified.stderr
    leads = rows(crawled.csv_second)
    assert all(row["evidence_sha256"] and row["evidence"].startswith("run-1.warc.gz@") for row in leads), (
        "evidence is kept once, when the lead is new, and not rewritten for an unchanged page"
    )
    gbk = next(row for row in leads if "/post/" in row["url"])
    page = tmp_path / "page.html"
    shown = ws.run("evidence", "show", gbk["lead_id"], "--extract", str(page))
    assert shown.returncode == 0 and "（校验通过）" in shown.stdout
    assert f"检测版本：{gbk['stamp']}\n" in shown.stdout and gbk["stamp"].startswith("rules=")
    served = urllib.request.urlopen(gbk["url"]).read()
    assert page.read_bytes() == served, "the page is kept byte for byte as fetched (GBK)"
    copy = tmp_path / "copy"
    shutil.copytree(ws.db.parent, copy, ignore=shutil.ignore_patterns("reports"))
    warc = copy / "evidence" / "run-1.warc.gz"
    data = bytearray(warc.read_bytes())
    offset = int(gbk["evidence"].split("@")[1])
    data[offset + 40] ^= 0xFF
    warc.write_bytes(bytes(data))
    tampered = ws.run("--db", str(copy / ws.db.name), "evidence", "verify")
    assert tampered.returncode == 1 and gbk["lead_id"] in tampered.stdout


def test_one_number_behind_listings_on_three_sites_is_one_actor(crawled: CrawlResult) -> None:
    sheet = load_workbook(crawled.workspace.reports / "leads.xlsx")["同一联系人"]
    actors = list(sheet.iter_rows(min_row=2, values_only=True))
    biggest = max(actors, key=lambda row: row[1])
    assert biggest[1] >= 5 and biggest[2] == 3, "phone 13800007777 / WeChat qihang_2026 (also as 薇信 and spaced)"
    assert "电话 13800007777" in biggest[4] and "微信 qihang_2026" in biggest[4]


def test_registry_marks_blacklisted_and_mismatched_institutions(crawled: CrawlResult) -> None:
    by_id = {r["url"].rsplit("/", 1)[-1].removesuffix(".html"): r for r in rows(crawled.csv_second)}
    assert by_id["gj034"]["registry_status"] == "blacklisted" and "unlicensed" in by_id["gj034"]["categories"]
    assert "registry/blacklisted" in by_id["gj034"]["rules"]
    assert by_id["gj034"]["publisher"] in by_id["gj034"]["matched_text"], "the finding quotes the publisher"
    assert by_id["gj005"]["registry_status"] == "scope mismatch"
    assert by_id["gj011"]["registry_status"] == "licensed"


def test_second_night_over_unchanged_sites_fetches_only_list_pages(crawled: CrawlResult) -> None:
    fetched = crawled.second_night_hits
    details = [path for path in fetched if path.startswith(("/post/", "/job/", "/profile/", "/note/"))]
    assert details == [], "detail pages fetched within the revisit interval are not downloaded again"
    assert any(path.startswith("/list/") for path in fetched) and any(p.startswith("/api/jobs") for p in fetched)
    assert "tutorwatch/detail/seen" in (crawled.workspace.reports / "logs").joinpath(_log_name()).read_text()


def test_the_crawl_listens_on_no_port(crawled: CrawlResult) -> None:
    """Scrapy 2.19 starts a remote-control HTTP server that runs Python sent to it; the night's
    process must not open it (nor the telnet console)."""
    log = (crawled.workspace.reports / "logs").joinpath(_log_name()).read_text()
    enabled = re.findall(r"Enabled extensions:\s*\[([^\]]*)\]", log)
    assert enabled and all("RemoteControl" not in found and "TelnetConsole" not in found for found in enabled)
    assert "listening on" not in log.lower()


def _log_name() -> str:
    return f"crawl-{date.today().isoformat()}.log"


def test_pages_past_their_revisit_interval_are_asked_conditionally(workspace: Workspace) -> None:
    """revisit_hours: 0 re-asks every page; the classifieds site answers If-None-Match with 304."""
    sites = workspace.root / "sites"
    sites.mkdir()
    config = (workspace.samples.sites_dir / "jiajiao_classifieds.yaml").read_text(encoding="utf-8")
    config = config.replace("politeness:", "politeness:\n  revisit_hours: 0", 1)
    assert "revisit_hours: 0" in config
    (sites / "jiajiao_classifieds.yaml").write_text(config, encoding="utf-8")
    assert workspace.run("crawl", sites_dir=sites).returncode == 0
    second = workspace.run("crawl", sites_dir=sites)
    assert second.returncode == 0, second.stderr
    log = (workspace.reports / "logs" / _log_name()).read_text()
    not_modified = [int(n) for n in re.findall(r"'tutorwatch/detail/not_modified': (\d+)", log)]
    with sqlite3.connect(workspace.db) as conn:
        leads, seen_twice = conn.execute("SELECT count(*), sum(times_seen = 2) FROM leads").fetchone()
    assert not_modified and not_modified[-1] >= 40, "every unchanged detail page came back as 304"
    assert leads > 0 and seen_twice == leads, "a 304 still counts the lead as seen tonight"


def test_a_night_of_unchanged_leads_packs_and_writes_no_evidence_again(workspace: Workspace) -> None:
    """revisit_hours: 0 refetches every page of a site without validators: each lead is unchanged, so its evidence
    stays where it was and no detection worker packs WARC records for it (counted by the crawl's stats)."""
    sites = workspace.root / "sites"
    sites.mkdir()
    config = (workspace.samples.sites_dir / "jiazheng_agency.yaml").read_text(encoding="utf-8")
    config = config.replace("politeness:", "politeness:\n  revisit_hours: 0", 1)
    assert "revisit_hours: 0" in config and "images" not in config  # its pages go to the workers
    (sites / "jiazheng_agency.yaml").write_text(config, encoding="utf-8")
    log = workspace.reports / "logs" / _log_name()

    def packed(kind: str) -> int:
        counts = re.findall(rf"'tutorwatch/evidence/worker_{kind}': (\d+)", log.read_text())
        return int(counts[-1]) if counts else 0

    def evidence() -> dict[str, tuple]:
        with sqlite3.connect(workspace.db) as conn:
            return {
                row[0]: row[1:] for row in conn.execute("SELECT lead_id, evidence_file, evidence_sha256 FROM leads")
            }

    assert workspace.run("crawl", sites_dir=sites).returncode == 0
    first = evidence()
    made = packed("packed")
    assert first and made == len(first), "every lead of the first night was packed in a worker"
    assert (workspace.db.parent / "evidence" / "run-1.warc.gz").exists()
    second = workspace.run("crawl", sites_dir=sites)
    assert second.returncode == 0, second.stderr
    text = log.read_text()
    assert text.count("'tutorwatch/evidence/worker_packed'") == 1, "the second night packed records in a worker"
    assert packed("unchanged") == len(first), "every lead was refetched, found unchanged and not packed"
    assert evidence() == first, "no lead lost, none added, each one's evidence where it was"
    assert not (workspace.db.parent / "evidence" / "run-2.warc.gz").exists(), "no WARC record written again"
    with sqlite3.connect(workspace.db) as conn:
        assert conn.execute("SELECT count(*) FROM leads WHERE times_seen = 2").fetchone()[0] == len(first)


def stored_pages(db: Path) -> set[str]:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return {row[0] for row in conn.execute("SELECT url FROM pages")}
    except sqlite3.Error:
        return set()


def test_crawl_killed_midway_continues_where_it_stopped(crawled: CrawlResult, workspace: Workspace) -> None:
    cmd = [TUTORWATCH, "--db", str(workspace.db), "--reports-dir", str(workspace.reports)]
    cmd += ["--sites-dir", str(workspace.samples.sites_dir), "crawl"]
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while len(stored_pages(workspace.db)) < 20 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    workers = spawned_workers(process.pid)  # the detection workers
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert workers and all_ended(workers), "the detection workers died with the killed crawl"
    before_kill = stored_pages(workspace.db)
    whole = len(stored_pages(crawled.workspace.db))  # the pages of a complete crawl of the same sites
    assert 20 <= len(before_kill) < whole, f"killed in the middle of the crawl ({len(before_kill)} of {whole})"
    start = hits(workspace.samples)
    resumed = workspace.run("crawl")
    assert resumed.returncode == 0, resumed.stderr
    end = hits(workspace.samples)
    stored = {urlsplit(u).path + (f"?{urlsplit(u).query}" if urlsplit(u).query else "") for u in before_kill}
    refetched = {path for path in end if end[path] > start.get(path, 0)} & stored
    assert refetched == set(), "pages stored before the kill are not fetched again"
    with sqlite3.connect(workspace.db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        leads = conn.execute("SELECT lead_id, times_seen FROM leads").fetchall()
        statuses = [row[0] for row in conn.execute("SELECT status FROM runs ORDER BY run_id")]
    assert sorted(lead for lead, _ in leads) == sorted(r["lead_id"] for r in rows(crawled.csv_first))
    assert {times for _, times in leads} == {1}, "no lead counted twice"
    assert statuses == ["interrupted", "ok"]


def test_the_first_night_gives_the_analyst_a_workbook_and_an_unchanged_night_none(crawled: CrawlResult) -> None:
    first, second = crawled.workbooks
    [workbook] = first
    assert workbook.name.startswith("线索-全部-") and f"to review: {workbook}" in crawled.first.stdout.replace("\n", "")
    assert second == first and "to review" not in crawled.second.stdout, "nothing new: yesterday's file holds the work"
    leads = rows(crawled.csv_second)
    sheet = load_workbook(workbook, read_only=True)["线索"]
    assert sum(1 for _ in sheet.iter_rows(min_row=2)) == len(leads), "every lead still waits for a verdict"
