"""Ads in pictures, crawled for real: the poster site, two nights, the CLI in a subprocess.

The violations are in the posters and the page text beside them is innocent; clean posters
(piano, adult English, ...) must stay clean; a picture that is not one is a fault of that
picture; the second night reads no picture again; the evidence holds the picture and verifies.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from crawler.evidence.warc import kept_page
from detectors.engine import default_engine
from detectors.models import Document
from tests.conftest import Samples, Workspace
from tests.support.poster_site import HOSTILE, PosterSite, posters, serve_poster_site, site_config
from tests.support.poster_texts import CLEAN, VIOLATIONS

# A third of the posters (10 violations, 8 clean, a banner among them) and the hostile pictures: the
# crawl's handling of pictures is the same for each, and reading every poster is measured by
# bench/image_crawl.py (all 51, README's figure), not repeated here.
IDS = [*sorted(text.poster_id for text in (*VIOLATIONS, *CLEAN))[2::3], "c01-piano"]


@dataclass
class Nights:
    workspace: Workspace
    base: str
    site: PosterSite
    results: list
    image_hits: list[int]  # picture requests per night


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory, samples: Samples) -> Iterator[Nights]:
    root = tmp_path_factory.mktemp("posters")
    (root / "sites").mkdir()
    with serve_poster_site(IDS) as (port, site):
        (root / "sites" / "posters.yaml").write_text(site_config(port), encoding="utf-8")
        workspace = Workspace(root, samples)
        results, hits = [], []
        for _ in range(2):
            before = sum(n for path, n in site.hits.items() if path.startswith("/img/"))
            results.append(workspace.run("crawl", sites_dir=root / "sites"))
            hits.append(sum(n for path, n in site.hits.items() if path.startswith("/img/")) - before)
        yield Nights(workspace, f"http://127.0.0.1:{port}", site, results, hits)


def rows(db: Path, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def test_both_nights_finish(nights: Nights) -> None:
    for result in nights.results:
        assert result.returncode == 0, result.stderr[-2000:]


def test_violations_in_pictures_are_leads_and_clean_posters_are_not(nights: Nights) -> None:
    leads = {url for (url,) in rows(nights.workspace.db, "SELECT url FROM leads")}
    violations = {f"{nights.base}/ad/{pid}.html" for pid in IDS if posters()[pid].violation}
    clean = {f"{nights.base}/ad/{pid}.html" for pid in IDS if not posters()[pid].violation}
    assert len(violations) == 10 and len(clean) == 8
    assert violations <= leads
    assert not leads & clean
    assert not any("/bad-" in url for url in leads)


def test_page_text_alone_is_clean_for_a_poster_violation() -> None:
    """The point of the issue: without its picture, the summer 1-to-1 maths ad is innocent."""
    poster = posters()["v01-summer-math-1v1"]
    assert not default_engine().analyze(Document("看图了解详情 1", poster.text.caption, "social")).flagged


def test_a_finding_names_its_picture_and_box(nights: Nights) -> None:
    poster = posters()["v01-summer-math-1v1"]
    sha = hashlib.sha256(poster.image).hexdigest()
    [(matched,)] = rows(nights.workspace.db, "SELECT matched_text FROM leads WHERE url LIKE ?", "%/v01-summer%")
    assert f"图片 1（sha256 {sha[:12]}），位置 (" in matched
    assert "数学一对一" in matched  # the characters read from the picture
    marker = f"【图片 1（sha256 {sha[:12]}），位置 ("
    assert marker in (nights.workspace.reports / "leads.csv").read_text(encoding="utf-8-sig")  # the leads file
    workbook = openpyxl.load_workbook(nights.workspace.reports / "leads.xlsx", read_only=True)
    cells = [str(cell) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for cell in row]
    assert any(marker in cell for cell in cells)  # and the analyst's workbook


def test_evidence_keeps_the_picture_beside_its_page_and_verifies(nights: Nights, tmp_path: Path) -> None:
    workspace = nights.workspace
    poster = posters()["v01-summer-math-1v1"]
    [(lead_id, file, offset, length)] = rows(
        workspace.db,
        "SELECT lead_id, evidence_file, evidence_offset, evidence_length FROM leads WHERE url LIKE ?",
        "%/v01-summer%",
    )
    page = kept_page(workspace.db.parent / "evidence", file, offset, length)
    assert page.url.endswith("/ad/v01-summer-math-1v1.html")
    assert [image.body for image in page.images] == [poster.image]  # the poster, not the icon or the logo
    verify = workspace.run("evidence", "verify")
    assert verify.returncode == 0, verify.stderr
    show = workspace.run("evidence", "show", lead_id, "--pictures", str(tmp_path / "pictures"))
    assert show.returncode == 0, show.stderr
    assert f"SHA-256 {hashlib.sha256(poster.image).hexdigest()}" in show.stdout
    [written] = (tmp_path / "pictures").iterdir()
    assert written.read_bytes() == poster.image


def test_icons_and_header_logos_are_not_fetched(nights: Nights) -> None:
    assert nights.site.hits["/static/icon.png"] == 0
    assert nights.site.hits["/static/logo.png"] == 0


def test_a_bad_picture_is_a_fault_of_that_picture(nights: Nights) -> None:
    faults = dict(rows(nights.workspace.db, "SELECT url, reason FROM run_faults WHERE run_id = 1"))
    expected = {
        "bad-truncated": "truncated",
        "bad-bomb": "too_many_pixels",
        "bad-html": "not_an_image",
        "bad-garbage": "malformed",
        "bad-missing": "HTTP 404",
        "bad-huge": "larger than images.max_mb",
    }
    for name, word in expected.items():
        assert word in faults[f"{nights.base}/img/{name}.png"], faults
    assert "robots.txt" in faults[f"{nights.base}/private/poster.png"]
    assert len(HOSTILE) == len(expected) + 1
    # the pages themselves came through: every detail page is a listing of the night
    [(listings,)] = rows(nights.workspace.db, "SELECT listings FROM run_sites WHERE run_id = 1")
    assert listings == len(IDS) + len(HOSTILE)


def test_the_second_night_reads_no_picture_twice(nights: Nights) -> None:
    counts = {
        (run, outcome): images
        for run, outcome, images in rows(nights.workspace.db, "SELECT run_id, outcome, images FROM run_images")
    }
    readable = len(IDS)
    assert counts[1, "read"] == readable
    assert counts[2, "read"] == 0
    assert counts[2, "unchanged"] == readable  # each answered 304: its text from the cache, no bytes downloaded
    assert counts[2, "cached"] == 0
    assert nights.image_hits[1] == nights.image_hits[0]  # fetched again (revisit_hours 0), but not read again


def test_the_night_report_counts_pictures(nights: Nights) -> None:
    summary = nights.workspace.reports / "runs" / date.today().isoformat() / "summary.json"
    images = json.loads(summary.read_text(encoding="utf-8"))["images"]
    assert images == [{"site": "posters", "read": 0, "cached": 0, "unchanged": len(IDS), "skipped": 0, "failed": 7}]
    html = summary.with_name("report.html").read_text(encoding="utf-8")
    assert "广告图片识别" in html


def test_check_reads_the_pages_pictures(nights: Nights) -> None:
    url = f"{nights.base}/ad/v01-summer-math-1v1.html"
    result = nights.workspace.run("check", "--format", "json", url, f"{nights.base}/ad/bad-truncated.html")
    assert result.returncode == 0, result.stderr
    poster, broken = json.loads(result.stdout)
    assert poster["flagged"] and [image["outcome"] for image in poster["images"]] in (
        ["read"],
        ["cached"],
        ["unchanged"],
    )
    assert any(finding.get("image", {}).get("number") == 1 for finding in poster["findings"])
    assert not broken["flagged"] and broken["images"][0]["outcome"] == "failed"


def test_scan_reads_image_files_in_json_lines(nights: Nights, tmp_path: Path) -> None:
    violation, clean = posters()["v01-summer-math-1v1"], posters()["c01-piano"]
    (tmp_path / "v.png").write_bytes(violation.image)
    (tmp_path / "c.png").write_bytes(clean.image)
    missing = f"{nights.base}/img/bad-missing.png"  # fetched (tests/test_scan_pictures.py has the rest)
    lines = [
        {"id": "v", "title": "看图", "text": violation.text.caption, "images": [str(tmp_path / "v.png")]},
        {"id": "c", "title": "看图", "text": clean.text.caption, "images": [str(tmp_path / "c.png")]},
        {"id": "gone", "title": "看图", "text": "详情看图", "images": [str(tmp_path / "none.png"), missing]},
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines), encoding="utf-8")
    result = nights.workspace.run("scan", str(source))
    assert result.returncode == 0, result.stderr
    out = {record["id"]: record for record in map(json.loads, result.stdout.splitlines())}
    assert out["v"]["flagged"] and out["v"]["images"][0]["sha256"] == hashlib.sha256(violation.image).hexdigest()
    assert "暑假初中数学一对一" in out["v"]["images"][0]["text"]
    assert not out["c"]["flagged"]
    assert [image["outcome"] for image in out["gone"]["images"]] == ["failed", "failed"]
    assert "cannot read image file" in out["gone"]["images"][0]["detail"]
    assert out["gone"]["images"][1]["detail"] == "image not fetched: HTTP 404"


def test_rescan_judges_the_pictures_text_from_the_cache(nights: Nights) -> None:
    """Last in this module: it rewrites the analyses. A poster's lead stays flagged, still naming its picture."""
    before = sum(nights.site.hits[path] for path in nights.site.hits if path.startswith("/img/"))
    result = nights.workspace.run("rescan")
    assert result.returncode == 0, result.stderr
    flagged = dict(rows(nights.workspace.db, "SELECT url, matched_text FROM leads WHERE flagged = 1"))
    violations = {f"{nights.base}/ad/{pid}.html" for pid in IDS if posters()[pid].violation}
    assert violations <= set(flagged)
    assert "【图片 1（sha256" in flagged[f"{nights.base}/ad/v01-summer-math-1v1.html"]
    assert sum(nights.site.hits[path] for path in nights.site.hits if path.startswith("/img/")) == before
