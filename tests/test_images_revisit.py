"""Pictures on later nights and under the page limit: asked for conditionally, and never counted as pages.

Each test crawls the poster site with the CLI in a subprocess; the site answers If-None-Match
with 304 and counts it (tests/support/poster_site.py).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import sqlite3
from datetime import date
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from crawler.evidence.revisits import PROFILE
from crawler.evidence.warc import kept_page
from crawler.leads.image_cache import ImageCache
from tests.conftest import Samples, Workspace
from tests.support.poster_site import PosterSite, posters, serve_poster_site, site_config

IDS = ["v01-summer-math-1v1", "v02-preschool-pinyin", "c01-piano"]


def _rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_a_second_night_revalidates_cached_pictures_instead_of_downloading_them(
    tmp_path: Path, samples: Samples
) -> None:
    (tmp_path / "sites").mkdir()
    workspace = Workspace(tmp_path, samples)
    with serve_poster_site(IDS, hostile=False) as (port, site):
        (tmp_path / "sites" / "posters.yaml").write_text(site_config(port), encoding="utf-8")
        first = workspace.run("crawl", sites_dir=tmp_path / "sites")
        assert first.returncode == 0, first.stderr
        assert sum(site.not_modified.values()) == 0  # nothing cached yet: every picture came whole
        etags = _rows(workspace.db, "SELECT url, etag FROM image_url ORDER BY url")
        assert len(etags) == len(IDS) and all(etag.startswith('"') for _, etag in etags)
        second = workspace.run("crawl", sites_dir=tmp_path / "sites")
        assert second.returncode == 0, second.stderr
    pictures = {path for path in site.hits if path.startswith("/img/")}
    assert len(pictures) == len(IDS)
    assert {path: site.not_modified[path] for path in pictures} == dict.fromkeys(pictures, 1)  # one 304 each
    [(run_id,)] = _rows(workspace.db, "SELECT max(run_id) FROM run_images")
    counts = dict(_rows(workspace.db, f"SELECT outcome, images FROM run_images WHERE run_id = {run_id}"))
    assert counts == {"read": 0, "cached": 0, "unchanged": len(IDS), "skipped": 0, "failed": 0}  # 304: no bytes
    flagged = _rows(workspace.db, "SELECT url FROM leads")
    assert sorted(url.rsplit("/", 1)[1] for (url,) in flagged) == [f"{pid}.html" for pid in IDS[:2]]
    summary = json.loads((workspace.reports / "runs" / date.today().isoformat() / "summary.json").read_text("utf-8"))
    assert summary["images"] == [{"site": "posters", "read": 0, "cached": 0, "unchanged": 3, "skipped": 0, "failed": 0}]
    html = (workspace.reports / "runs" / date.today().isoformat() / "report.html").read_text("utf-8")
    assert "未变化（304，未下载）" in html


def test_the_page_limit_counts_pages_not_pictures(tmp_path: Path, samples: Samples) -> None:
    """max_pages 30 on 51 pages with a picture each: robots.txt, the list page and 28 detail pages are counted.

    Counting pictures too, the limit came after 14 detail pages and their 14 pictures; up to
    CONCURRENT_REQUESTS (8) more requests already handed to the downloader still finish.
    """
    (tmp_path / "sites").mkdir()
    workspace = Workspace(tmp_path, samples)
    with serve_poster_site(hostile=False, blank=True) as (port, site):
        config = site_config(port, max_pages=30, concurrency=1)
        (tmp_path / "sites" / "posters.yaml").write_text(config, encoding="utf-8")
        result = workspace.run("crawl", sites_dir=tmp_path / "sites")
    assert result.returncode in (0, 3), result.stderr
    details = sum(n for path, n in site.hits.items() if path.startswith("/ad/"))
    pictures = sum(n for path, n in site.hits.items() if path.startswith("/img/"))
    assert 28 <= details < len(site.ids)  # stopped by the limit, after 28 detail pages
    assert pictures >= 28  # their pictures were fetched beside them, uncounted
    [(pages, reason)] = _rows(workspace.db, "SELECT pages, finish_reason FROM run_sites")
    assert reason == "closespider_pagecount"
    assert pages == sum(site.hits.values()) - pictures  # the health report's pages leave pictures out


POSTER = "v01-summer-math-1v1"
PICTURE = f"/img/{POSTER}.png"


def _changed_page_nights(tmp_path: Path, samples: Samples, between: str = "") -> tuple[Workspace, PosterSite]:
    """Two nights over one poster page whose text changes between them (its picture does not); ``between``:
    SQL run on the store between the nights."""
    (tmp_path / "sites").mkdir()
    workspace = Workspace(tmp_path, samples)
    with serve_poster_site([POSTER], hostile=False) as (port, site):
        (tmp_path / "sites" / "posters.yaml").write_text(site_config(port), encoding="utf-8")
        for night in range(2):
            result = workspace.run("crawl", sites_dir=tmp_path / "sites")
            assert result.returncode == 0, result.stderr
            if night == 0 and between:
                with sqlite3.connect(workspace.db) as conn:
                    conn.execute(between)
            site.edition += 1
    assert posters()[POSTER].format == "PNG"
    return workspace, site


def _lead(workspace: Workspace) -> tuple[str, str, int, int]:
    [row] = _rows(workspace.db, "SELECT lead_id, evidence_file, evidence_offset, evidence_length FROM leads")
    return row


def test_a_changed_page_keeps_its_unchanged_picture_as_a_revisit_record(tmp_path: Path, samples: Samples) -> None:
    """Night 2: the page changed (its lead's evidence is written again), the poster answered 304. The new
    record holds a WARC revisit record pointing at night 1's record of the poster; show and verify follow it."""
    workspace, site = _changed_page_nights(tmp_path, samples)
    poster = posters()[POSTER].image
    sha = hashlib.sha256(poster).hexdigest()
    assert site.hits[PICTURE] == 2 and site.not_modified[PICTURE] == 1  # no second download, for evidence or else
    lead_id, file, offset, length = _lead(workspace)
    assert file == "run-2.warc.gz"  # the lead changed: its evidence is tonight's
    folder = workspace.db.parent / "evidence"
    [(original_file, original_offset, original_length, original_id)] = _rows(
        workspace.db, "SELECT file, offset, length, record_id FROM picture_records"
    )
    assert original_file == "run-1.warc.gz"
    data = (folder / file).read_bytes()[offset : offset + length]
    [revisit] = [
        (r.rec_headers, r.http_headers.get_statuscode())
        for r in ArchiveIterator(io.BytesIO(data))
        if r.rec_type == "revisit"
    ]
    headers, status = revisit
    assert status == "304"
    assert headers.get_header("WARC-Profile") == PROFILE
    assert headers.get_header("WARC-Refers-To") == original_id
    assert headers.get_header("WARC-Refers-To-Target-URI").endswith(PICTURE)
    assert headers.get_header("WARC-Payload-Digest") == f"sha256:{sha}"
    with sqlite3.connect(workspace.db) as conn:
        page = kept_page(folder, file, offset, length, locate=ImageCache(conn).record)
    [picture] = page.images
    assert picture.body == poster and picture.sha256 == sha and not picture.problem
    assert picture.revisit.startswith("未变（304）")
    verify = workspace.run("evidence", "verify")
    assert verify.returncode == 0, verify.stderr
    show = workspace.run("evidence", "show", lead_id, "--pictures", str(tmp_path / "pictures"))
    assert show.returncode == 0, show.stderr
    assert f"SHA-256 {sha}" in show.stdout and "从原始记录读出，摘要校验通过" in show.stdout
    [written] = (tmp_path / "pictures").iterdir()
    assert written.read_bytes() == poster
    # the original altered: the lead's own records still hash right, but its picture no longer verifies
    original = bytearray((folder / original_file).read_bytes())
    record = gzip.decompress(bytes(original[original_offset : original_offset + original_length]))
    altered = gzip.compress(record.replace(poster[200:232], bytes(32)))
    original[original_offset : original_offset + original_length] = altered[:original_length].ljust(original_length)
    (folder / original_file).write_bytes(bytes(original))
    verify = workspace.run("evidence", "verify")
    assert verify.returncode != 0
    assert f"{lead_id}: 图片 " in verify.stdout and "run-1.warc.gz" in verify.stdout
    show = workspace.run("evidence", "show", lead_id, "--pictures", str(tmp_path / "after"))
    assert show.returncode == 0, show.stderr  # the page is still shown; the picture says what is wrong
    assert "未变（304）：" in show.stdout and "摘要不符" in show.stdout and "run-1.warc.gz" in show.stdout
    assert not (tmp_path / "after").exists() or not any((tmp_path / "after").iterdir())  # no bytes to write


def test_a_picture_no_record_keeps_is_downloaded_for_the_evidence(tmp_path: Path, samples: Samples) -> None:
    """A store that has the poster's text but no record of its bytes (a store from before the picture index):
    the 304 stands for reading, and the poster a finding quotes is then downloaded whole, for the evidence."""
    workspace, site = _changed_page_nights(tmp_path, samples, between="DELETE FROM picture_records")
    assert site.not_modified[PICTURE] == 1 and site.hits[PICTURE] == 3  # night 2: the 304, then the download
    [(unchanged,)] = _rows(workspace.db, "SELECT images FROM run_images WHERE run_id = 2 AND outcome = 'unchanged'")
    assert unchanged == 1  # read from the cache, not again
    _, file, offset, length = _lead(workspace)
    page = kept_page(workspace.db.parent / "evidence", file, offset, length)
    [picture] = page.images
    assert picture.body == posters()[POSTER].image and not picture.revisit  # the bytes, in tonight's record
    [(kept_in,)] = _rows(workspace.db, "SELECT file FROM picture_records")
    assert kept_in == "run-2.warc.gz"
