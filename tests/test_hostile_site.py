"""A hostile site cannot stop the night, read local files, reach other hosts or exhaust memory (issue 16).

One real crawl of tests/support/hostile_site.py (its list page, the page of escape sequences,
the 9.5 MB page, the header flood, the redirects, the chain of 5,000-link list pages, three
hosts whose robots.txt cannot be read), then ``check`` and ``evidence show`` against the same
servers, and ``check --render`` of a page whose scripts try to reach another server.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from crawler.config.settings import base_settings
from crawler.evidence.warc import kept_page
from crawler.extraction.listing import MAX_ANALYSED_CHARS
from crawler.fetching.addresses import not_public
from crawler.fetching.rendering import BrowserGuard, browser_settings
from crawler.leads.fingerprint import lead_id
from crawler.leads.store import evidence_dir
from detectors.clean_text import UNWRITABLE
from tests.conftest import Samples, Workspace
from tests.support.hostile_site import (
    GOOD,
    ROBOTS_HOSTS,
    HostileSite,
    big_page,
    serve_hostile_sites,
    write_config,
)


@dataclass
class HostileCrawl:
    result: object
    workspace: Workspace
    ports: dict[str, int]
    sites: dict[str, HostileSite]
    summary: dict
    sites_dir: Path

    def url(self, path: str, kind: str = "main") -> str:
        return f"http://127.0.0.1:{self.ports[kind]}{path}"

    def reasons(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for fault in self.summary["faults"]:
            found[fault["url"]] = found.get(fault["url"], "") + " | " + fault["reason"]
        return found


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory, samples: Samples) -> Iterator[HostileCrawl]:
    root = tmp_path_factory.mktemp("hostile")
    with serve_hostile_sites() as (ports, sites):
        sites_dir = write_config(root / "sites", ports, ("main", *ROBOTS_HOSTS))
        workspace = Workspace(root, samples)
        result = workspace.run("crawl", sites_dir=sites_dir)
        summary = json.loads(
            (workspace.reports / "runs" / date.today().isoformat() / "summary.json").read_text("utf-8")
        )
        yield HostileCrawl(result, workspace, ports, sites, summary, sites_dir)


def leads(db: Path) -> dict[str, sqlite3.Row]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return {row["url"]: row for row in conn.execute("SELECT * FROM leads")}
    finally:
        conn.close()


def test_the_night_finishes_with_every_good_page_a_lead(hostile: HostileCrawl) -> None:
    assert hostile.result.returncode == 0, hostile.result.stderr
    found = leads(hostile.workspace.db)
    assert {hostile.url(path) for path in GOOD} <= set(found)
    assert all(url.startswith("http://") for url in found), "nothing but http(s) is ever a lead"


def test_local_files_and_other_schemes_are_never_fetched(hostile: HostileCrawl) -> None:
    reasons = hostile.reasons()
    assert "4 link(s) not http(s)" in reasons[hostile.url("/list/1.html")]
    assert "HTTP 302" in reasons[hostile.url("/redirect/file")], "a redirect to file:// is not followed"
    assert "off the site" in reasons[hostile.url("/redirect/metadata")]
    assert sum(hostile.sites["other"].hits.values()) == 0, "no request reached a host no config names"


def test_text_is_cleaned_where_it_enters_and_the_workbook_is_written(hostile: HostileCrawl) -> None:
    row = leads(hostile.workspace.db)[hostile.url("/escape.html")]
    for column in ("title", "body", "matched_text"):
        assert not UNWRITABLE.search(row[column]), column
    assert row["title"].startswith("初中一对一") and "\ufffd" in row["title"]
    book = load_workbook(hostile.workspace.reports / "leads.xlsx", read_only=True)
    titles = [r[1] for r in book["线索"].iter_rows(min_row=2, values_only=True)]
    assert row["title"] in titles
    book.close()


def test_a_big_page_is_analysed_up_to_the_cap_and_kept_whole_as_evidence(hostile: HostileCrawl) -> None:
    row = leads(hostile.workspace.db)[hostile.url("/big.html")]
    assert len(row["body"]) <= MAX_ANALYSED_CHARS and "只分析并保存了前" in row["body"]
    kept = kept_page(
        evidence_dir(hostile.workspace.db), row["evidence_file"], row["evidence_offset"], row["evidence_length"]
    )
    assert kept.body == big_page(), "the whole page is in the evidence"
    assert "only the first" in hostile.reasons()[hostile.url("/big.html")]


def test_header_flood_and_cookies(hostile: HostileCrawl) -> None:
    assert "response headers larger than 256 KB" in hostile.reasons()[hostile.url("/headers.html")]
    main = hostile.sites["main"]
    assert main.hits["/list/1.html"] == 1 and sum(main.cookies.values()) == 0, "cookies are off by default"


def test_links_per_page_and_the_queue_are_bounded(hostile: HostileCrawl) -> None:
    reasons = " ".join(hostile.reasons().values())
    assert "more than 100 links" in reasons and "max_queued" in reasons
    many = sum(count for path, count in hostile.sites["main"].hits.items() if path.startswith("/many/"))
    assert 0 < many <= 3 * 100, "at most max_links_per_page detail links taken from each list page"


def test_unreadable_robots_txt_disallows_the_host(hostile: HostileCrawl) -> None:
    reasons = hostile.reasons()
    expected = {"robots_big": "larger than 512 KB", "robots_slow": "timed out", "robots_reset": "connection"}
    for kind, words in expected.items():
        reason = reasons[hostile.url("/robots.txt", kind)]
        assert "robots.txt could not be read" in reason and words in reason and "disallowed" in reason, reason
        assert set(hostile.sites[kind].hits) == {"/robots.txt"}, f"{kind}: only robots.txt was asked for"


def test_check_stays_on_public_addresses_unless_the_host_is_configured(
    hostile: HostileCrawl, workspace: Workspace, tmp_path: Path
) -> None:
    ws = Workspace(tmp_path, workspace.samples)
    urls = [hostile.url("/redirect/metadata"), hostile.url("/redirect/localhost"), "http://169.254.169.254/x"]
    result = ws.run("check", *urls, "--format", "json", sites_dir=hostile.sites_dir)
    assert result.returncode == 5, result.stderr
    errors = {record["url"]: record["error"] for record in json.loads(result.stdout)}
    assert "169.254.169.254 is a link-local address" in errors[urls[0]]
    assert "localhost resolves to" in errors[urls[1]] and "loopback" in errors[urls[1]]
    assert "169.254.169.254 is a link-local address" in errors[urls[2]]
    assert sum(hostile.sites["other"].hits.values()) == 0
    unconfigured = ws.run("check", hostile.url("/good/1.html"), sites_dir=tmp_path / "no-sites")
    assert unconfigured.returncode == 5 and "127.0.0.1 is a loopback address" in unconfigured.stderr
    trusted = ws.run("check", hostile.url("/good/1.html"), "--trust-host", "127.0.0.1", sites_dir=tmp_path / "no-sites")
    assert trusted.returncode == 0, trusted.stderr  # the investigator's named exception (an intranet copy)


def test_terminal_output_carries_no_escape_sequences(hostile: HostileCrawl, workspace: Workspace) -> None:
    checked = Workspace(hostile.workspace.root, workspace.samples).run(
        "check", hostile.url("/escape.html"), sites_dir=hostile.sites_dir
    )
    shown = hostile.workspace.run("evidence", "show", lead_id(hostile.url("/escape.html")))
    for result in (checked, shown):
        assert result.returncode == 0, result.stderr
        assert "初中一对一" in result.stdout
        assert not UNWRITABLE.search(result.stdout.replace("\n", "").replace("\t", "")), result.stdout[:300]
    assert "X-Note" in shown.stdout, "the site's headers are shown, cleaned"


def test_cookies_are_sent_back_only_to_a_site_that_opts_in(workspace: Workspace, tmp_path: Path) -> None:
    with serve_hostile_sites() as (ports, sites):
        politeness = "{download_delay: 0, download_timeout: 2, max_list_depth: 1, max_links_per_page: 10}"
        folder = write_config(tmp_path / "sites", ports, ("main",), "cookies: true\n", politeness)
        result = Workspace(tmp_path, workspace.samples).run("crawl", sites_dir=folder)
        assert result.returncode == 0, result.stderr
        assert sum(sites["main"].cookies.values()) > 0


def test_the_browser_loads_only_the_pages_own_site(hostile: HostileCrawl, workspace: Workspace, tmp_path: Path) -> None:
    result = Workspace(tmp_path, workspace.samples).run(
        "check", "--render", hostile.url("/render/exfil.html"), "--format", "json", sites_dir=hostile.sites_dir
    )
    assert result.returncode == 0, result.stderr
    [record] = json.loads(result.stdout)
    assert record["flagged"]
    assert hostile.sites["main"].hits["/api/own"] >= 1, "the page's own requests still work"
    assert sum(hostile.sites["other"].hits.values()) == 0, hostile.sites["other"].hits


def test_only_http_handlers_exist_and_the_guard_knows_public_addresses() -> None:
    for settings in (base_settings(None), browser_settings(["http://127.0.0.1:1/"])):
        handlers = settings["DOWNLOAD_HANDLERS"]
        assert all(handlers[scheme] is None for scheme in ("file", "ftp", "s3", "data"))
        assert handlers["http"] == handlers["https"] and handlers["http"].startswith("crawler.fetching.")
    assert base_settings(None)["COOKIES_ENABLED"] is False
    for address, words in {
        "169.254.169.254": "link-local",
        "127.0.0.1": "loopback",
        "10.1.2.3": "private",
        "::ffff:127.0.0.1": "loopback",
        "fe80::1": "link-local",
        "224.0.0.1": "multicast",
        "0.0.0.0": "unspecified",
        "100.64.0.1": "not a public address",
    }.items():
        assert words in (not_public(address) or ""), address
    assert not_public("8.8.8.8") is None and not_public("2001:4860:4860::8888") is None
    guard = BrowserGuard(["http://127.0.0.1:8000/list", "cdn.example.com"])
    assert guard.allowed == {"127.0.0.1:8000", "cdn.example.com:80", "cdn.example.com:443"}
