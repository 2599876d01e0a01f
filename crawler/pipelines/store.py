"""Upsert each analysed listing into the leads store, pages grouped into transactions; keep lead pages as evidence."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from pathlib import Path
from typing import ClassVar

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector
from twisted.internet.task import LoopingCall

from crawler.analysis.pool import call
from crawler.evidence.warc import Capture, EvidenceRef, EvidenceWriter, Packed, pack
from crawler.extraction.listing import CrawledListing, Item, KnownPage
from crawler.fetching.revisit import validators
from crawler.images.evidence import Originals, with_pictures
from crawler.leads.image_cache import ImageCache
from crawler.leads.store import LeadStore, evidence_dir, now

COMMIT_PAGES = 2000  # pages per transaction: a commit costs more than one page's writes (bench/store_scale.py)
COMMIT_SECONDS = 2.0  # and a commit at least this often, so a slow crawl never sits on SQLite's write lock
log = logging.getLogger(__name__)


def evidence_of(item: CrawledListing, originals: Originals | None = None) -> Capture | None:
    """What is kept as the listing's evidence: its page, with the pictures a finding quotes (those answered 304
    as revisit records pointing at ``originals``, the store's picture index)."""
    return with_pictures(item.capture, item, originals) if item.capture is not None else None


def remember_pictures(pictures: ImageCache, item: CrawledListing, written: list[EvidenceRef]) -> None:
    """The listing's picture rows: each picture's text, which bytes each URL gave with its validators, the
    listing's pictures in order, and where the pictures just written as evidence are (a local crawl's
    listings and a scale-out worker's alike: the writer stores both here)."""
    with contextlib.suppress(sqlite3.Error):  # a row lost costs one read (or one download) later, never the lead
        if item.image_reads:
            pictures.remember(item.image_reads, now(), {image.url: image.validators for image in item.images})
            pictures.remember_listing(item.listing.url, item.image_reads)
        for ref in written:
            if ref.pictures:
                pictures.remember_records(ref.pictures)


def store_listing(
    store: LeadStore, evidence: EvidenceWriter, item: Item, run_id: int | None = None, packed: Packed | None = None
) -> str:
    """Record one item: an analysed listing (its page written as evidence first when it makes or changes
    a lead; ``packed``: its records already compressed), or a detail page not downloaded tonight whose
    lead is seen again. Returns the outcome."""
    if isinstance(item, KnownPage):
        if item.recorded:  # stored by the interrupted crawl this run continues
            return "recorded"
        return store.seen_again(item.url, fetched=item.fetched, run_id=run_id)
    assert item.analysis is not None
    pictures = ImageCache(store.conn)
    page = evidence_of(item, pictures.originals)
    written: list[EvidenceRef] = []

    def keep() -> EvidenceRef:  # before the row pointing at it
        assert page is not None
        written.append(evidence.write(page, packed))
        return written[-1]

    outcome = store.upsert(
        item.listing,
        item.analysis,
        evidence=keep if page is not None else None,
        validators=validators(page) if page is not None else ("", ""),
        run_id=run_id,
        alias=item.alias,
        values=item.values,
    )
    remember_pictures(pictures, item, written)
    return outcome


class SharedStore:
    """The crawl process's one connection to a database, shared by every site's pipeline and the run recorder.

    All sites' spiders run in one reactor thread. With a connection each, a spider holding the
    write lock for its open batch would make another wait for it in that same thread (a deadlock
    until SQLite's busy timeout). Through one connection their pages share the batch.
    """

    _open: ClassVar[dict[Path, SharedStore]] = {}

    def __init__(self, db: Path) -> None:
        self.store = LeadStore(db, commit_every=COMMIT_PAGES)
        self.users = 0
        self.timer = LoopingCall(self.flush)

    def flush(self) -> None:
        try:
            self.store.commit()
        except sqlite3.Error as exc:  # the batch's pages are refetched by the next crawl's resume
            log.error("could not commit to the leads store: %s", exc)

    @classmethod
    def acquire(cls, db: Path) -> LeadStore:
        shared = cls._open.get(db)
        if shared is None:
            shared = cls._open[db] = cls(db)
            shared.timer.start(COMMIT_SECONDS, now=False)
        shared.users += 1
        return shared.store

    @classmethod
    def release(cls, db: Path) -> None:
        shared = cls._open[db]
        shared.users -= 1
        if not shared.users:
            del cls._open[db]
            shared.timer.stop()
            shared.store.close()


class StorePipeline:
    """Stores each item; the evidence of a page over ``thread_bytes`` is compressed first, off the event loop
    (a 10 MB page's gzip takes about 0.2 s): in the crawl's big-page lane, at its lower CPU priority
    (crawler/pipelines/detect.py), or in a thread when the crawl has no workers. In a thread it was
    still the crawl process's CPU, taken from the other sites' pages on a two-core machine."""

    def __init__(
        self,
        db: Path,
        run_id: int,
        stats: StatsCollector | None = None,
        thread_bytes: int = 512 * 1024,
        crawler: Crawler | None = None,
    ) -> None:
        self.db = db
        self.crawler = crawler
        self.thread_bytes = thread_bytes
        self.stats = stats  # Scrapy >= 2.13 calls process_item without the spider, so keep the crawler's stats
        self.run_id = run_id
        self.evidence = EvidenceWriter(evidence_dir(db), run_id)
        self.store: LeadStore | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        site = getattr(crawler.spidercls, "site", None)  # the site spider's config: its worker_page_kb
        return cls(
            Path(crawler.settings["TUTORWATCH_DB"]),
            crawler.settings.getint("TUTORWATCH_RUN_ID"),
            crawler.stats,
            site.politeness.worker_page_kb * 1024 if site is not None else 512 * 1024,
            crawler,
        )

    def open_spider(self, spider: Spider | None = None) -> None:
        self.store = SharedStore.acquire(self.db)

    def close_spider(self, spider: Spider | None = None) -> None:
        self.evidence.close()
        if self.store is not None:
            SharedStore.release(self.db)
            self.store = None

    async def process_item(self, item: Item, spider: Spider | None = None) -> Item:
        assert self.store is not None
        packed = None
        listing = item if isinstance(item, CrawledListing) else None
        if listing is not None and listing.packed is not None and not listing.images:
            packed = listing.packed  # the page's own records, made in a detection worker: no picture to add
        elif listing is not None and listing.capture is not None and len(listing.capture.body) > self.thread_bytes:
            page = evidence_of(listing, ImageCache(self.store.conn).originals)
            packed = await self._pack(page) if page is not None else None
        outcome = store_listing(self.store, self.evidence, item, self.run_id, packed)
        if self.stats is not None:
            self.stats.inc_value(f"tutorwatch/leads/{outcome}")
        return item

    async def _pack(self, page: Capture) -> Packed:
        from crawler.pipelines.detect import SharedPool, WorkerDied  # detect imports pictures, which import this

        shared = SharedPool.of(self.crawler) if self.crawler is not None else None
        if shared is not None:
            with contextlib.suppress(WorkerDied):  # the lane died on it: the thread packs it
                return await shared.run(call, (pack, (page,)))
        return await asyncio.to_thread(pack, page)
