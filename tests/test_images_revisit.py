"""Pictures on later nights and under the page limit: asked for conditionally, and never counted as pages.

Each test crawls the poster site with the CLI in a subprocess; the site answers If-None-Match
with 304 and counts it (tests/support/poster_site.py).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

from tests.conftest import Samples, Workspace
from tests.support.poster_site import serve_poster_site, site_config

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
    assert counts == {"read": 0, "cached": len(IDS), "skipped": 0, "failed": 0}
    flagged = _rows(workspace.db, "SELECT url FROM leads")
    assert sorted(url.rsplit("/", 1)[1] for (url,) in flagged) == [f"{pid}.html" for pid in IDS[:2]]
    summary = json.loads((workspace.reports / "runs" / date.today().isoformat() / "summary.json").read_text("utf-8"))
    assert summary["images"][0]["cached"] == len(IDS)


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
