"""A bad page costs only that page: a crawl of the fault site finishes, records each fault, keeps every good lead."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import Samples, Workspace
from tests.support.fault_site import FAULTS, GB18030_ONLY, GOOD, FaultSite, serve_fault_sites

CONFIG = """name: 故障测试站
platform: tutoring
start_urls: [http://127.0.0.1:{main}/list/1.html, http://127.0.0.1:{robots500}/list/1.html]
list:
  detail_links: "a.item::attr(href)"
  next_page: "a.next::attr(href)"
detail:
  title: "h1.t"
  body: "div.b"
politeness: {{download_delay: 0, concurrency: 4, download_timeout: 2, max_page_mb: 5, max_list_depth: 5}}
"""


@dataclass
class FaultCrawl:
    result: object
    workspace: Workspace
    ports: dict[str, int]
    sites: dict[str, FaultSite]
    summary: dict


@pytest.fixture(scope="module")
def fault_crawl(tmp_path_factory: pytest.TempPathFactory, samples: Samples) -> Iterator[FaultCrawl]:
    root = tmp_path_factory.mktemp("faults")
    with serve_fault_sites() as (ports, sites):
        (root / "sites").mkdir()
        (root / "sites" / "fault_site.yaml").write_text(CONFIG.format(**ports), encoding="utf-8")
        workspace = Workspace(root, samples)
        result = workspace.run("crawl", sites_dir=root / "sites")
        summary_file = workspace.reports / "runs" / date.today().isoformat() / "summary.json"
        yield FaultCrawl(result, workspace, ports, sites, json.loads(summary_file.read_text(encoding="utf-8")))


def lead_urls(db: Path) -> dict[str, tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        return {url: (title, body) for url, title, body in conn.execute("SELECT url, title, body FROM leads")}


def test_crawl_finishes_and_every_good_page_is_a_lead(fault_crawl: FaultCrawl) -> None:
    assert fault_crawl.result.returncode == 0, fault_crawl.result.stderr
    main = f"http://127.0.0.1:{fault_crawl.ports['main']}"
    leads = lead_urls(fault_crawl.workspace.db)
    assert {f"{main}{path}" for path in GOOD} <= set(leads)
    assert f"{main}/private/secret.html" not in leads


def test_misdeclared_charsets_read_as_written(fault_crawl: FaultCrawl) -> None:
    main = f"http://127.0.0.1:{fault_crawl.ports['main']}"
    leads = lead_urls(fault_crawl.workspace.db)
    for path in ("/fault/gbk-as-utf8", "/fault/no-charset"):
        assert "初中数学一对一上门辅导" in leads[f"{main}{path}"][1]
    assert leads[f"{main}/fault/gb18030"][0].endswith(GB18030_ONLY)


def test_each_fault_is_in_the_run_report_with_its_reason(fault_crawl: FaultCrawl) -> None:
    main = f"http://127.0.0.1:{fault_crawl.ports['main']}"
    reasons: dict[str, str] = {}
    for fault in fault_crawl.summary["faults"]:
        reasons.setdefault(fault["url"].split("?")[0], fault["reason"])
    for path, word in FAULTS.items():
        assert word in reasons.get(f"{main}{path}", ""), (path, reasons)
    other = f"http://127.0.0.1:{fault_crawl.ports['robots500']}"
    assert "robots.txt answered HTTP 500" in reasons[f"{other}/robots.txt"]
    assert any("pagination trap" in reason for reason in reasons.values())
    html = (fault_crawl.workspace.reports / "runs" / date.today().isoformat() / "report.html").read_text("utf-8")
    assert "redirect loop" in html and "Forbidden by robots.txt" in html


def test_traps_and_disallowed_pages_are_not_followed(fault_crawl: FaultCrawl) -> None:
    main, other = fault_crawl.sites["main"].hits, fault_crawl.sites["robots500"].hits
    assert "/private/secret.html" not in main
    assert sum(count for path, count in main.items() if path.startswith("/trap/")) <= 5
    assert set(other) == {"/robots.txt"}, "a host whose robots.txt fails is not crawled"
