"""Scale-out for real: a redis-server, the writer and two worker processes over the sample sites.

The leads must equal a single-process crawl's, and the sample servers' request log must show
that no page was fetched by two workers.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawler.evidence.warc import Capture
from crawler.extraction.listing import CrawledListing, Listing
from crawler.scaleout import codec
from crawler.scaleout.codec import listing_dumps, listing_loads
from detectors import default_engine
from tests.conftest import Samples, Workspace, write_sample_configs
from tests.support.local_redis import free_port, local_redis
from tests.support.sample_server import SITE_KINDS, load_listings, serve_samples

FLAKY = {site: load_listings(site)[6]["id"] for site in SITE_KINDS}  # answers 500 once, then its retry succeeds


@dataclass
class Distributed:
    writer: subprocess.CompletedProcess
    workers: list[subprocess.CompletedProcess]
    worker_roots: list[Path]
    fetched: Counter  # (site, path) → requests the sample servers answered during the distributed crawl
    workspace: Workspace
    single: Workspace


def finish(process: subprocess.Popen) -> subprocess.CompletedProcess:
    out, err = process.communicate(timeout=240)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


@pytest.fixture(scope="module")
def counted_samples(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Samples, Counter]]:
    """Fresh sample servers (their one-time failures not yet spent) that count every request."""
    hits: Counter = Counter()
    with serve_samples(dict.fromkeys(SITE_KINDS, 0), hits=hits) as ports:
        sites_dir = tmp_path_factory.mktemp("sites")
        write_sample_configs(ports, sites_dir)
        yield Samples(sites_dir, ports, hits), hits


@pytest.fixture(scope="module")
def distributed(tmp_path_factory: pytest.TempPathFactory, counted_samples: tuple[Samples, Counter]) -> Distributed:
    samples, hits = counted_samples
    ws = Workspace(tmp_path_factory.mktemp("writer"), samples)
    roots = [tmp_path_factory.mktemp(f"worker{n}") for n in (1, 2)]
    with local_redis() as url:
        pipe = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
        writer = subprocess.Popen(ws.command("crawl", "--redis", url, "--wait", "60"), **pipe)
        workers = [
            subprocess.Popen(Workspace(root, samples).command("worker", "--redis", url, "--idle-timeout", "60"), **pipe)
            for root in roots
        ]
        results = [finish(p) for p in workers], finish(writer)
    fetched = Counter(hits)
    single = Workspace(tmp_path_factory.mktemp("single"), samples)
    assert single.run("crawl").returncode == 0
    return Distributed(results[1], results[0], roots, fetched, ws, single)


def leads(db: Path) -> dict[str, str]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT lead_id, categories FROM leads"))


def test_writer_and_both_workers_finish(distributed: Distributed) -> None:
    assert distributed.writer.returncode == 0, distributed.writer.stderr
    for worker in distributed.workers:
        assert worker.returncode == 0, worker.stderr
    for site in SITE_KINDS:
        assert site in distributed.writer.stdout


def test_leads_equal_a_single_process_crawl(distributed: Distributed) -> None:
    found = leads(distributed.workspace.db)
    assert found, "the distributed crawl must find leads"
    assert found == leads(distributed.single.db)


def test_no_page_is_fetched_twice(distributed: Distributed) -> None:
    twice = {key: n for key, n in distributed.fetched.items() if n > 1}
    for (site, path), n in twice.items():
        if path == "/robots.txt":
            assert n <= 2, "robots.txt at most once per worker"
        else:
            assert FLAKY[site] in path and n == 2, f"{site} {path} fetched {n} times"
    details = [
        key for key in distributed.fetched if any(f"/{kind}/" in key[1] for kind in ("post", "job", "profile", "note"))
    ]
    assert len(details) == sum(len(load_listings(site)) for site in SITE_KINDS)


def test_workers_end_with_the_crawl_and_keep_no_store(distributed: Distributed) -> None:
    for worker in distributed.workers:
        assert worker.stdout.count("finished") == len(SITE_KINDS)
    assert all((root / "reports" / "logs").is_dir() for root in distributed.worker_roots)
    assert not any((root / "leads.db").exists() for root in distributed.worker_roots), "workers never open a store"


def test_one_health_row_per_site_and_evidence_that_verifies(distributed: Distributed) -> None:
    with sqlite3.connect(distributed.workspace.db) as conn:
        rows = dict(conn.execute("SELECT site, listings FROM run_sites"))
    assert rows == {site: len(load_listings(site)) for site in SITE_KINDS}
    verify = distributed.workspace.run("evidence", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert (distributed.workspace.reports / "leads.csv").exists()


def test_writer_without_workers_gives_up_and_says_so(workspace: Workspace) -> None:
    with local_redis() as url:
        result = workspace.run("crawl", "--redis", url, "--wait", "1", "--site", "gig_jobs")
    assert result.returncode == 5, result.stderr
    assert "no worker" in result.stdout


def test_unreachable_redis_is_one_line(workspace: Workspace) -> None:
    down = workspace.run("worker", "--redis", f"redis://127.0.0.1:{free_port()}/0")
    assert down.returncode == 5 and down.stderr.startswith("tutorwatch: error:") and len(down.stderr.splitlines()) == 1


def test_listing_survives_the_trip_through_redis_as_json() -> None:
    listing = Listing(
        "http://a/p/1",
        "http://a/p/1?from=x",
        "site",
        "tutoring",
        "初中数学一对一",
        "上门辅导 薇信 abcdef",
        "岳阳新起点教育",
    )
    page = Capture("http://a/p/1", 200, (("Content-Type", "text/html"),), "<p>é</p>".encode("gbk", "replace"), (), "t")
    analysis = default_engine().analyze(listing.document())
    assert analysis.registry == "not found" and analysis.contacts and analysis.signature and analysis.stamp
    item = CrawledListing(listing, page, analysis)
    data = listing_dumps(item)
    assert b"pickle" not in data and json.loads(data)["listing"]["title"] == "初中数学一对一"
    assert listing_loads(data) == item
    with pytest.raises((KeyError, TypeError, ValueError)):
        listing_loads(b'{"listing": {"url": "x"}, "analysis": null}')


def test_scheduled_request_bytes_round_trip() -> None:
    request = {"headers": {b"Referer": [b"http://a/\xc3\xa9"]}, "body": b"", "meta": {"depth": 2}}
    assert codec.loads(codec.dumps(request)) == request
