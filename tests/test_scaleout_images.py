"""Scale-out workers share one OCR cache in Redis: a real redis-server, the writer and two worker processes.

Two nights over the poster site: on the first the two workers read each poster once between
them (whichever met it), on the second, fresh worker processes read none: the texts are in Redis.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
from pathlib import Path

import redis

from crawler.leads.image_cache import ocr_stamp
from crawler.scaleout.image_cache import IMAGES_KEY
from tests.conftest import Samples, Workspace
from tests.support.local_redis import local_redis
from tests.support.poster_site import serve_poster_site, site_config

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
        found = dict(re.findall(r"'tutorwatch/images/(read|cached)': (\d+)", text))
        counts.append({outcome: int(found.get(outcome, 0)) for outcome in ("read", "cached")})
    return counts


def test_workers_read_each_picture_once_per_redis(tmp_path: Path, samples: Samples) -> None:
    sites = tmp_path / "sites"
    sites.mkdir()
    writer = Workspace(tmp_path / "writer", samples)
    workers = [Workspace(tmp_path / f"worker{n}", samples) for n in (1, 2)]
    with serve_poster_site(IDS, hostile=False) as (port, site), local_redis() as url:
        (sites / "posters.yaml").write_text(site_config(port), encoding="utf-8")
        first = _night(writer, workers, url, sites)
        cached = redis.Redis.from_url(url).hkeys(IMAGES_KEY % {"stamp": ocr_stamp()})
        second = _night(writer, workers, url, sites)
    assert sum(night["read"] for night in first) == len(IDS)  # once between the two workers
    assert len(cached) == len(IDS)
    assert [night["read"] for night in second] == [0, 0]
    assert sum(night["cached"] for night in second) == len(IDS)
    assert site.hits["/list.html"] == 2
    with sqlite3.connect(writer.db) as conn:
        leads = {url.rsplit("/", 1)[1] for (url,) in conn.execute("SELECT url FROM leads")}
    assert leads == {f"{pid}.html" for pid in IDS if pid.startswith("v")}
