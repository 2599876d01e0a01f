"""The writer (``crawl --redis``): seeds the frontier, stores every listing the workers push, ends the crawl.

The only process that opens the SQLite store, so the database never has two writers. The crawl
is over when, for GRACE_SECONDS on end, no site has a queued request and every live worker says
it is idle (nothing downloading, parsing or in its pipelines). Then the writer marks the crawl
``done``; each worker's spiders close at their next idle check and send their final counts; the
writer stores the listings still waiting, records one health row per site and exports.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path

from crawler.config.site_config import SiteConfig
from crawler.errors import TutorWatchError
from crawler.evidence.warc import EvidenceWriter
from crawler.leads.export import ExportSettings
from crawler.leads.image_cache import OUTCOMES, ImageCache
from crawler.leads.store import LeadStore, evidence_dir
from crawler.pipelines.store import COMMIT_PAGES, store_listing
from crawler.runs.runner import RunOutcome, finish, log_path
from crawler.scaleout.codec import listing_loads
from crawler.scaleout.frontier import Frontier, WorkerStatus, connect
from crawler.scaleout.image_cache import mark_kept

GRACE_SECONDS = 3.0  # longer than two worker reports, so a request popped just now shows as busy
CLOSE_SECONDS = 30.0  # how long to wait for the workers' final counts after 'done'
POLL_SECONDS = 0.2
log = logging.getLogger("tutorwatch.writer")


class Writer:
    def __init__(self, frontier: Frontier, store: LeadStore, evidence: EvidenceWriter, run_id: int) -> None:
        self.frontier = frontier
        self.store = store
        self.evidence = evidence
        self.run_id = run_id
        self.stored = 0
        self.rejected = 0

    def drain(self) -> int:
        """Store every listing waiting in Redis now; a value that is not one of ours is logged and skipped."""
        batch = self.frontier.pop_items()
        for data in batch:
            try:
                item = listing_loads(data)
            except (KeyError, TypeError, ValueError) as exc:
                self.rejected += 1
                log.error("skipped a value in Redis that is not a listing: %s", exc)
                continue
            store_listing(self.store, self.evidence, item)
            self.stored += 1
        self.store.commit()  # what was taken from Redis is in the database before more is taken
        kept = self.evidence.take_pictures()
        if kept:  # committed: workers may now keep a 304 of these as a revisit record
            mark_kept(self.frontier.server, (record.sha256 for record in kept))
        return len(batch)

    def until(self, done: Callable[[list[WorkerStatus]], bool], patience: float, token: str) -> bool:
        """Store listings until ``done(statuses)`` holds; False when no live worker was there for ``patience`` s."""
        alone_since = time.monotonic()
        while True:
            if not self.frontier.hold_writer(token):
                raise TutorWatchError("lost the writer's lease in Redis (another crawl --redis took over?)")
            stored = self.drain()
            statuses = self.frontier.workers(self.run_id)
            if done(statuses):
                return True
            if any(s.live for s in statuses):
                alone_since = time.monotonic()
            elif time.monotonic() - alone_since > patience:
                return False
            if not stored:
                time.sleep(POLL_SECONDS)


def _quiet(frontier: Frontier, sites: list[str]) -> Callable[[list[WorkerStatus]], bool]:
    """True once no site has a queued request and no live worker was busy for GRACE_SECONDS."""
    since: list[float] = []

    def check(statuses: list[WorkerStatus]) -> bool:
        idle = bool(statuses) and not frontier.pending(sites) and not any(s.busy for s in statuses if s.live)
        if not idle:
            since.clear()
            return False
        since[:] = since or [time.monotonic()]
        return time.monotonic() - since[0] >= GRACE_SECONDS

    return check


def _site_row(site: str, statuses: list[WorkerStatus], lost: bool) -> dict:
    """One site's health over all workers: counts summed, the first unusual finish reason."""
    mine = [s for s in statuses if s.site == site]
    reasons = sorted({s.reason for s in mine} - {"finished", ""})
    reason = "no worker" if not mine else "workers lost" if lost else reasons[0] if reasons else "finished"
    return {
        "pages": sum(s.pages for s in mine),
        "listings": sum(s.listings for s in mine),
        "errors": sum(s.errors for s in mine),
        "reason": reason,
    }


def _image_counts(site: str, statuses: list[WorkerStatus]) -> dict[str, int]:
    """One site's picture counts summed over the workers' last statuses."""
    return {outcome: sum(s.images.get(outcome, 0) for s in statuses if s.site == site) for outcome in OUTCOMES}


def _log_to(path: Path | None) -> None:
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.StreamHandler() if path is None else logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s [%(name)s] %(levelname)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)


def crawl_redis(
    sites: list[SiteConfig],
    redis_url: str,
    db: Path,
    reports_dir: Path,
    verbose: bool,
    patience: float,
    export: ExportSettings | None = None,
) -> RunOutcome:
    """Seed, write and finish one distributed crawl. ``patience``: seconds to wait while no worker is live."""
    from crawler.spiders.site_spider import SiteSpider

    _log_to(log_path(reports_dir, "crawl", verbose))
    frontier = Frontier(connect(redis_url))
    token = f"{socket.gethostname()}:{os.getpid()}"
    if not frontier.hold_writer(token):
        raise TutorWatchError(f"{redis_url}: another crawl --redis is writing; one writer at a time")
    names = [site.site_id for site in sites]
    try:
        with LeadStore(db, commit_every=COMMIT_PAGES) as store:  # and a commit after each drain()
            run_id = store.start_run("crawl")
            frontier.begin(run_id, [SiteSpider.for_site(site)() for site in sites])
            log.info("run %s: seeded %s; waiting for workers", run_id, ", ".join(names))
            writer = Writer(frontier, store, EvidenceWriter(evidence_dir(db), run_id, track_pictures=True), run_id)
            finished = writer.until(_quiet(frontier, names), patience, token)
            frontier.end(run_id)
            outcome = "done" if finished else "no live worker"
            log.info("run %s: %s; %d listings stored, %d skipped", run_id, outcome, writer.stored, writer.rejected)
            closing = time.monotonic() + CLOSE_SECONDS
            writer.until(lambda st: not any(s.live for s in st) or time.monotonic() > closing, CLOSE_SECONDS, token)
            while writer.drain():
                pass
            statuses = frontier.workers(run_id)
            if finished:
                frontier.clear(names)
            for site in names:
                store.record_site(run_id, site, **_site_row(site, statuses, lost=not finished))
                pictures = _image_counts(site, statuses)
                if any(pictures.values()):  # the night report's 广告图片识别, as a local crawl records it
                    ImageCache(store.conn).record_counts(run_id, site, pictures)
    finally:
        frontier.release_writer()
    return finish(db, run_id, reports_dir, names, export)
