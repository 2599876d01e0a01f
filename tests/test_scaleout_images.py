"""Scale-out workers go through the single crawl's picture mechanism: a real redis-server, the writer and two
worker processes.

Two nights over the poster site: on the first the two workers read each poster once between
them (whichever met it); on the second, fresh worker processes read none (the texts are in
Redis) and ask for each picture conditionally (one 304 each). The writer's store gets the
picture rows and the night's counts; the pages changed on night 2, so the violations' leads are
written again with a revisit record pointing at night 1's record of their poster.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import subprocess
from datetime import date
from pathlib import Path

import redis

from crawler.evidence.warc import kept_page
from crawler.leads.image_cache import ImageCache, ocr_stamp
from crawler.scaleout.image_cache import IMAGES_KEY
from tests.conftest import Samples, Workspace
from tests.support.local_redis import local_redis
from tests.support.poster_site import posters, serve_poster_site, site_config

IDS = ["v01-summer-math-1v1", "v02-preschool-pinyin", "c01-piano", "c02-adult-english"]


def _night(writer: Workspace, workers: list[Workspace], url: str, sites: Path) -> list[dict[str, int]]:
    """One scale-out crawl; each worker's picture counts (its log's stats)."""
    pipe = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    crawl = subprocess.Popen(writer.command("crawl", "--redis", url, "--wait", "60", sites_dir=sites), **pipe)
    running = [
        subprocess.Popen(w.command("worker", "--redis", url, "--idle-timeout", "60", sites_dir=sites), **pipe)
        for w in workers
    ]
    for process in [*running, crawl]:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
    counts = []
    for worker in workers:
        [log] = (worker.reports / "logs").glob("worker-*.log")
        text = log.read_text(encoding="utf-8")
        log.unlink()  # the next night's log starts empty
        found = dict(re.findall(r"'tutorwatch/images/(read|cached|unchanged)': (\d+)", text))
        counts.append({outcome: int(found.get(outcome, 0)) for outcome in ("read", "cached", "unchanged")})
    return counts


def _rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_workers_read_each_picture_once_per_redis(tmp_path: Path, samples: Samples) -> None:
    sites = tmp_path / "sites"
    sites.mkdir()
    writer = Workspace(tmp_path / "writer", samples)
    workers = [Workspace(tmp_path / f"worker{n}", samples) for n in (1, 2)]
    with serve_poster_site(IDS, hostile=False) as (port, site), local_redis() as url:
        (sites / "posters.yaml").write_text(site_config(port), encoding="utf-8")
        first = _night(writer, workers, url, sites)
        cached = redis.Redis.from_url(url).hkeys(IMAGES_KEY % {"stamp": ocr_stamp()})
        assert sum(site.not_modified.values()) == 0
        site.edition += 1  # every page's text changes, no picture does
        second = _night(writer, workers, url, sites)
    assert sum(night["read"] for night in first) == len(IDS)  # once between the two workers
    assert len(cached) == len(IDS)
    assert [night["read"] for night in second] == [0, 0]
    assert sum(night["unchanged"] for night in second) == len(IDS)
    assert site.hits["/list.html"] == 2
    pictures = [path for path in site.hits if path.startswith("/img/")]
    # conditional requests from the workers: one 304 each on night 2, and no download for the evidence
    assert {path: (site.hits[path], site.not_modified[path]) for path in pictures} == dict.fromkeys(pictures, (2, 1))
    with sqlite3.connect(writer.db) as conn:
        leads = {url.rsplit("/", 1)[1] for (url,) in conn.execute("SELECT url FROM leads")}
    assert leads == {f"{pid}.html" for pid in IDS if pid.startswith("v")}
    # the writer's store holds the workers' picture rows, as a local crawl's
    assert len(_rows(writer.db, "SELECT * FROM image_text")) == len(IDS)
    etags = _rows(writer.db, "SELECT etag FROM image_url")
    assert len(etags) == len(IDS) and all(etag.startswith('"') for (etag,) in etags)
    assert len(_rows(writer.db, "SELECT * FROM listing_images")) == len(IDS)
    counts = {
        (run, outcome): n for run, outcome, n in _rows(writer.db, "SELECT run_id, outcome, images FROM run_images")
    }
    assert (counts[1, "read"], counts[2, "read"], counts[2, "unchanged"]) == (len(IDS), 0, len(IDS))
    summary = writer.reports / "runs" / date.today().isoformat() / "summary.json"
    [row] = json.loads(summary.read_text(encoding="utf-8"))["images"]
    assert row == {"site": "posters", "read": 0, "cached": 0, "unchanged": len(IDS), "skipped": 0, "failed": 0}
    # night 2's evidence of each violation: its page, and a revisit record following to night 1's poster
    folder = writer.db.parent / "evidence"
    with sqlite3.connect(writer.db) as conn:
        for url, file, offset, length in conn.execute(
            "SELECT url, evidence_file, evidence_offset, evidence_length FROM leads"
        ).fetchall():
            page = kept_page(folder, file, offset, length, locate=ImageCache(conn).record)
            poster = posters()[url.rsplit("/", 1)[1][:-5]].image
            assert file == "run-2.warc.gz"
            assert [(p.body, p.sha256, p.revisit[:7]) for p in page.images] == [
                (poster, hashlib.sha256(poster).hexdigest(), "未变（304）")
            ]
    verify = writer.run("evidence", "verify")
    assert verify.returncode == 0, verify.stderr
    # rescan judges the scale-out leads' pictures from the writer's store (their listing pictures and text)
    rescan = writer.run("rescan")
    assert rescan.returncode == 0, rescan.stderr
    flagged = dict(_rows(writer.db, "SELECT url, matched_text FROM leads WHERE flagged = 1"))
    assert len(flagged) == 2 and all("【图片 1（sha256" in matched for matched in flagged.values())
