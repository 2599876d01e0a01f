"""Sites as they are built today, crawled for real: APIs paged by number, offset and cursor, a POST
API with required headers, listings only in an API, sitemaps, rendered lists that load late, feeds."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.evidence.warc import Capture, EvidenceWriter
from tests.conftest import Samples, Workspace
from tests.support.modern_sites import MODERN_KINDS
from tests.support.sample_server import load_listings

API_SITES = ("paged_api", "cursor_api", "post_api", "api_only", "sitemap_site")


def listing_ids(site: str) -> set[str]:
    return {item["id"] for item in load_listings(MODERN_KINDS[site].listings_from)}


def pages_of(db: Path, site: str) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [row[0] for row in conn.execute("SELECT url FROM pages WHERE site = ?", (site,))]


def page_id(url: str) -> str:
    """The listing id in a sample page's URL (/m/post/jc001, /job/gj001.shtml, ?auntId=jz001 …)."""
    tail = url.rsplit("=", 1)[-1] if "auntId=" in url else url.rsplit("/", 1)[-1]
    return tail.split(".", 1)[0].split("?", 1)[0]


@pytest.fixture(scope="module")
def api_crawl(modern: Samples, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """One crawl of every site that needs no browser."""
    workspace = Workspace(tmp_path_factory.mktemp("api-crawl"), modern)
    result = workspace.run("crawl", *(arg for site in API_SITES for arg in ("--site", site)))
    assert result.returncode == 0, result.stderr
    return workspace


@pytest.mark.parametrize("site", API_SITES)
def test_every_listing_comes_exactly_once(api_crawl: Workspace, site: str) -> None:
    urls = pages_of(api_crawl.db, site)
    ids = [page_id(url) for url in urls]
    assert sorted(ids) == sorted(listing_ids(site)), f"{site}: {len(ids)} pages for {len(listing_ids(site))} listings"


def test_api_pages_are_asked_for_by_number_cursor_and_body(api_crawl: Workspace, modern: Samples) -> None:
    hits = modern.hits
    paged = sorted(path for (site, path) in hits if site == "paged_api" and path.startswith("/api/"))
    assert paged == [f"/api/v1/posts?pageSize=10&page={n}" for n in range(1, 8)], "7 pages, no 8th: data.pages said so"
    cursors = [path for (site, path) in hits if site == "cursor_api" and path.startswith("/api/")]
    assert len(cursors) == 4, "16 notes, 5 a page: the cursor chain ends where has_more is false"
    posts = sum(n for (site, path), n in hits.items() if site == "post_api" and path.startswith("POST /api/"))
    assert posts == 5, "50 jobs, 10 a page: currentPage 0..4 in the body, then hasNext false"
    offsets = [path for (site, path) in hits if site == "api_only"]
    assert sorted(p for p in offsets if p.startswith("/api/")) == sorted(
        f"/api/aunt/list?limit=8&offset={n}" for n in range(0, 50, 8)
    )
    assert not [p for (site, p) in hits if site == "api_only" and not p.startswith(("/api/", "/robots.txt"))]


def test_listings_only_in_the_api_keep_their_fields_and_the_api_response_as_evidence(api_crawl: Workspace) -> None:
    with sqlite3.connect(api_crawl.db) as conn:
        conn.row_factory = sqlite3.Row
        leads = conn.execute("SELECT * FROM leads WHERE site = 'api_only'").fetchall()
    source = {item["id"]: item for item in load_listings("jiazheng_agency")}
    assert leads, "some profiles in the API are violations"
    offsets = set()
    for lead in leads:
        item = source[page_id(lead["url"])]
        assert (lead["title"], lead["body"], lead["publisher"], lead["district"]) == (
            item["title"],
            item["body"],
            item["publisher"],
            item["district"],
        )
        offsets.add(lead["evidence_offset"])
        data = (api_crawl.db.parent / "evidence" / lead["evidence_file"]).read_bytes()
        record = data[lead["evidence_offset"] : lead["evidence_offset"] + lead["evidence_length"]]
        responses = [
            (r.rec_headers.get_header("WARC-Target-URI"), r.content_stream().read().decode("utf-8"))
            for r in ArchiveIterator(io.BytesIO(record))
            if r.rec_type == "response"
        ]
        assert len(responses) == 1 and "/api/aunt/list" in responses[0][0]
        assert item["title"] in responses[0][1]
    assert len(offsets) < len(leads), "leads from one API page share that page's one record"
    verified = api_crawl.run("evidence", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_api_evidence_keeps_the_request_that_asked_for_it(api_crawl: Workspace) -> None:
    with sqlite3.connect(api_crawl.db) as conn:
        row = conn.execute("SELECT evidence_file FROM leads WHERE site = 'api_only' LIMIT 1").fetchone()
    assert row is not None
    requests = [
        (r.http_headers.protocol, r.rec_headers.get_header("WARC-Target-URI"))
        for r in ArchiveIterator(io.BytesIO((api_crawl.db.parent / "evidence" / row[0]).read_bytes()))
        if r.rec_type == "request"
    ]
    api = [(method, url) for method, url in requests if "/api/aunt/list" in url]  # the file holds other sites too
    assert api and all(method == "GET" and "offset=" in url for method, url in api), api


def test_a_post_request_is_kept_with_its_method_and_body(tmp_path: Path) -> None:
    writer = EvidenceWriter(tmp_path, 1)
    page = Capture(
        url="http://127.0.0.1:1/api/search",
        status=200,
        headers=(("Content-Type", "application/json"),),
        body=b'{"flag": 1}',
        request_headers=(("X-Requested-With", "XMLHttpRequest"),),
        fetched_at="2026-12-01T00:00:00Z",
        method="POST",
        request_body=b'{"currentPage": 2}',
    )
    first, again = writer.write(page), writer.write(page)
    assert first == again, "the same capture (one API page, many listings) is written once"
    kept = [
        (r.http_headers.protocol, r.content_stream().read())
        for r in ArchiveIterator(io.BytesIO((tmp_path / first.file).read_bytes()))
        if r.rec_type == "request"
    ]
    assert kept == [("POST", b'{"currentPage": 2}')]


def variant(samples: Samples, tmp_path: Path, site: str, *edits: tuple[str, str]) -> Path:
    """A sites directory holding one site's config, edited."""
    text = (samples.sites_dir / f"{site}.yaml").read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text
        text = text.replace(old, new)
    sites = tmp_path / f"sites-{site}"
    sites.mkdir(parents=True, exist_ok=True)
    (sites / f"{site}.yaml").write_text(text, encoding="utf-8")
    return sites


def faults(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT url, reason FROM run_faults").fetchall()


def test_a_list_fetched_by_script_after_load_is_waited_for(modern: Samples, tmp_path: Path) -> None:
    workspace = Workspace(tmp_path, modern)
    result = workspace.run("crawl", "--site", "youjiao_zhaopin")
    assert result.returncode == 0, result.stderr
    ids = [page_id(url) for url in pages_of(workspace.db, "youjiao_zhaopin")]
    assert sorted(ids) == sorted(listing_ids("youjiao_zhaopin"))
    assert not faults(workspace.db)


def test_a_too_early_read_is_a_recorded_fault_and_waiting_for_the_links_brings_the_list(
    modern: Samples, tmp_path: Path
) -> None:
    """The script pauses 1.5 s before it asks for the list: the network is idle meanwhile. Waiting only
    for the config's wait_for selector (the list's items) brings the list."""
    pause = ("/jobs?page=1", "/jobs?page=1&pause=1500")
    early = Workspace(tmp_path / "early", modern)
    result = early.run("crawl", sites_dir=variant(modern, tmp_path / "early", "youjiao_zhaopin", pause))
    assert result.returncode == 5, "no listing: the night is FAILED, and says why"
    reasons = [reason for _, reason in faults(early.db)]
    assert len(reasons) == 1 and "no detail links once the idle wait ended" in reasons[0], reasons

    patient = Workspace(tmp_path / "patient", modern)
    only_items = ("  next_page:", "  idle_ends_wait: false\n  wait_for: 'ul#job-list li'\n  next_page:")
    result = patient.run("crawl", sites_dir=variant(modern, tmp_path / "patient", "youjiao_zhaopin", pause, only_items))
    assert result.returncode == 0, result.stderr
    ids = sorted(page_id(u) for u in pages_of(patient.db, "youjiao_zhaopin"))
    assert ids == sorted(listing_ids("youjiao_zhaopin")) and not faults(patient.db)


def test_a_timeout_is_a_fault_never_a_silent_empty_page(modern: Samples, tmp_path: Path) -> None:
    workspace = Workspace(tmp_path, modern)
    edits = (
        ("/jobs?page=1", "/jobs?page=1&pause=5000"),
        ("  next_page:", "  idle_ends_wait: false\n  wait_timeout: 2\n  next_page:"),
    )
    result = workspace.run("crawl", sites_dir=variant(modern, tmp_path, "youjiao_zhaopin", *edits))
    assert result.returncode == 5
    reasons = [reason for _, reason in faults(workspace.db)]
    assert len(reasons) == 1 and "did not appear within list.wait_timeout (2 s)" in reasons[0], reasons


@pytest.mark.parametrize("how", ["scroll", "debounced_scroll", "click_more"])
def test_a_feed_is_loaded_to_its_end(modern: Samples, tmp_path: Path, how: str) -> None:
    """A feed that shows its cards a moment after their fetch (a fade-in) and fetches the next ones a
    moment after the scroll (a debounced handler) is read to its end too: the network's quiet is
    counted from the scroll, not from the fetch before it."""
    edits: list[tuple[str, str]] = []
    if how == "debounced_scroll":
        edits = [("/feed", "/feed?debounce=350&render_delay=300")]
    if how == "click_more":
        more = "  click_more: {selector: 'button#load-more', limit: 10}"
        edits = [("/feed", "/feed?ui=button"), ("  scroll: 10", more)]
    workspace = Workspace(tmp_path, modern)
    result = workspace.run("crawl", sites_dir=variant(modern, tmp_path, "ayi_feed", *edits))
    assert result.returncode == 0, result.stderr
    ids = [page_id(url) for url in pages_of(workspace.db, "ayi_feed")]
    assert sorted(ids) == sorted(listing_ids("ayi_feed")), f"{len(ids)} of 50 profiles"


def test_check_of_a_page_no_config_knows_judges_the_ad_and_shows_what_it_judged(
    modern: Samples, tmp_path: Path
) -> None:
    """A classifieds post inside heavy navigation, side boxes of other (violating) ads and a footer."""
    listings = load_listings("jiajiao_classifieds")
    clean = next(i for i in listings if not i["categories"])
    violating = next(i for i in listings if "one_on_one" in i["categories"])
    urls = [f"{modern.base('sitemap_site')}/jiajiao/{item['id']}.html" for item in (clean, violating)]
    no_configs = tmp_path / "no-sites"
    no_configs.mkdir()
    workspace = Workspace(tmp_path, modern)
    result = workspace.run("check", "--format", "json", "--trust-host", "127.0.0.1", *urls, sites_dir=no_configs)
    assert result.returncode == 0, result.stderr
    judged = {entry["url"]: entry for entry in json.loads(result.stdout)}
    for url, item in zip(urls, (clean, violating), strict=True):
        assert judged[url]["title"] == item["title"]
        assert "热门家教" not in judged[url]["text"] and "相关家教信息" not in judged[url]["text"]
        for line in item["body"].splitlines():
            assert line.strip() in judged[url]["text"]
    assert judged[urls[0]]["flagged"] is False, "the side boxes' violating titles are not this ad's"
    assert judged[urls[1]]["flagged"] is True
    shown = workspace.run("check", urls[0], "--trust-host", "127.0.0.1", sites_dir=no_configs)
    assert "判定所用标题：" + clean["title"] in shown.stdout and clean["body"].splitlines()[0] in shown.stdout


def test_one_page_under_two_urls_is_one_lead_and_its_parameter_is_reported(modern: Samples, tmp_path: Path) -> None:
    """cursor_api's feed links its first note again with ?xsec_token=…, a parameter the config does not drop."""
    sites = variant(
        modern, tmp_path, "cursor_api", ("drop_params: [xsec_source, xsec_token]", "drop_params: [xsec_source]")
    )
    workspace = Workspace(tmp_path, modern)
    assert workspace.run("crawl", sites_dir=sites).returncode == 0
    first = load_listings("tongcheng_circle")[0]["id"]
    copies = [url for url in pages_of(workspace.db, "cursor_api") if f"/explore/{first}" in url]
    assert len(copies) == 2, "both URLs are known pages (the copy is not fetched again tomorrow)"
    with sqlite3.connect(workspace.db) as conn:
        leads = conn.execute("SELECT url FROM leads WHERE url LIKE ?", (f"%/explore/{first}%",)).fetchall()
        noted = conn.execute("SELECT param, pages, url, same_as FROM run_same_pages").fetchall()
    assert len(leads) == 1, "one lead for the page, under the URL first seen"
    assert [(param, pages) for param, pages, *_ in noted] == [("xsec_token", 1)]
    # Which of the two URLs is fetched first depends on the scheduler (under load either may win):
    # the lead keeps the first, and the report names the other as its copy.
    assert sorted(noted[0][2:]) == sorted(copies) and leads[0][0] == noted[0][3]
    report = next((workspace.reports / "runs").glob("*/report.html")).read_text(encoding="utf-8")
    assert "xsec_token" in report and "canonical.drop_params" in report
    before = sum(n for (site, path), n in modern.hits.items() if site == "cursor_api" and "xsec_token" in path)
    assert workspace.run("crawl", sites_dir=sites).returncode == 0
    after = sum(n for (site, path), n in modern.hits.items() if site == "cursor_api" and "xsec_token" in path)
    assert after == before, "the copy's URL is a known page the next night: not fetched again"


def test_a_selector_that_stopped_matching_shows_up_the_next_morning(modern: Samples, tmp_path: Path) -> None:
    workspace = Workspace(tmp_path, modern)
    assert workspace.run("crawl", "--site", "paged_api").returncode == 0
    with sqlite3.connect(workspace.db) as conn:
        counted = dict(conn.execute("SELECT field, missing FROM run_fields WHERE site = 'paged_api'").fetchall())
    assert set(counted) == {"publisher", "contact", "district", "price", "posted_at"} and counted["district"] == 0
    assert counted["contact"] == sum(not item["contact"] for item in load_listings("jiajiao_classifieds"))
    broken = variant(
        modern,
        tmp_path,
        "paged_api",
        ("xpath://p[b='区域']/text()", "xpath://p[b='地区']/text()"),
        ("  concurrency: 4", "  concurrency: 4\n  revisit_hours: 0"),
    )
    night = workspace.run("crawl", sites_dir=broken)
    assert night.returncode == 0, night.stderr
    assert "field 'district' empty on 70 of 70 listings (usually 0%)" in night.stderr
    summary = json.loads(next((workspace.reports / "runs").glob("*/summary.json")).read_text(encoding="utf-8"))
    assert [gap["field"] for gap in summary["fields"] if gap["broken"]] == ["district"]


def sites_test(workspace: Workspace, *args: str, sites_dir: Path | None = None) -> tuple[int, dict]:
    result = workspace.run("sites", "test", *args, "--format", "json", sites_dir=sites_dir)
    return result.returncode, (json.loads(result.stdout) if result.stdout.strip() else {"stderr": result.stderr})


def test_sites_test_shows_what_each_selector_matched(modern: Samples, tmp_path: Path) -> None:
    workspace = Workspace(tmp_path, modern)
    code, probe = sites_test(workspace, "post_api")
    assert code == 0 and probe["produces_listing"]
    links = next(m for m in probe["list_matched"] if m["name"] == "detail_links")
    assert links["count"] == 10 and "/job/" in links["first"][0]
    assert any("currentPage of the next page = 1" in note for note in probe["list_notes"])
    fields = {m["name"]: m for m in probe["detail_matched"]}
    assert fields["title"]["count"] == 1 and fields["title"]["first"][0] == load_listings("gig_jobs")[0]["title"]
    assert probe["empty_fields"] == []

    code, probe = sites_test(workspace, "youjiao_zhaopin")
    assert code == 0, probe
    assert next(m for m in probe["list_matched"] if m["name"] == "detail_links")["count"] == 10
    assert any("rendered: read after" in note and "10 elements matched" in note for note in probe["list_notes"])

    wanted = f"{modern.base('sitemap_site')}/jiajiao/jc010.html"
    code, probe = sites_test(workspace, "sitemap_site", wanted)
    assert (
        code == 0
        and probe["detail_url"] == wanted
        and probe["listing"]["title"] == load_listings("jiajiao_classifieds")[9]["title"]
    )


def test_sites_test_fails_when_the_config_cannot_produce_a_listing(modern: Samples, tmp_path: Path) -> None:
    workspace = Workspace(tmp_path, modern)
    broken = variant(
        modern,
        tmp_path,
        "paged_api",
        ('title: "h2.m-title"', 'title: "h1.title"'),
        ('body: "div.m-content"', 'body: "div.content"'),
    )
    code, probe = sites_test(workspace, "paged_api", sites_dir=broken)
    assert code == 4 and not probe["produces_listing"]
    assert {"title", "body"} <= set(probe["empty_fields"]) and "district" not in probe["empty_fields"]
    result = workspace.run("sites", "test", "paged_api", sites_dir=broken)
    assert result.returncode == 4 and "produces no listing (empty title and body)" in result.stderr
    assert "EMPTY" in result.stdout

    no_links = variant(modern, tmp_path / "links", "paged_api", ("data.records[].detailUrl", "data.rows[].url"))
    code, _ = sites_test(workspace, "paged_api", sites_dir=no_links)
    assert code == 4

    gone = variant(modern, tmp_path / "gone", "paged_api", (f":{modern.ports['paged_api']}/", ":9/"))
    result = workspace.run("sites", "test", "paged_api", sites_dir=gone)
    assert result.returncode == 5 and "connection refused" in result.stderr
