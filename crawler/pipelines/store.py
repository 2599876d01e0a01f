"""Upsert each analysed listing into the leads store, pages grouped into transactions; keep lead pages as evidence."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import ClassVar

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector
from twisted.internet.task import LoopingCall

from crawler.evidence.warc import EvidenceWriter
from crawler.extraction.listing import Item, KnownPage
from crawler.fetching.revisit import validators
from crawler.images.evidence import with_pictures
from crawler.leads.store import LeadStore, evidence_dir

COMMIT_PAGES = 2000  # pages per transaction: a commit costs more than one page's writes (bench/store_scale.py)
COMMIT_SECONDS = 2.0  # and a commit at least this often, so a slow crawl never sits on SQLite's write lock
log = logging.getLogger(__name__)


def store_listing(store: LeadStore, evidence: EvidenceWriter, item: Item, run_id: int | None = None) -> str:
    """Record one item: an analysed listing (its page written as evidence first when it makes or changes
    a lead), or a detail page not downloaded tonight whose lead is seen again. Returns the outcome."""
    if isinstance(item, KnownPage):
        if item.recorded:  # stored by the interrupted crawl this run continues
            return "recorded"
        return store.seen_again(item.url, fetched=item.fetched, run_id=run_id)
    assert item.analysis is not None
    page = with_pictures(item.capture, item) if item.capture is not None else None
    keep = (lambda: evidence.write(page)) if page is not None else None  # before the row pointing at it
    return store.upsert(
        item.listing,
        item.analysis,
        evidence=keep,
        validators=validators(page) if page is not None else ("", ""),
        run_id=run_id,
        alias=item.alias,
    )


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
    def __init__(self, db: Path, run_id: int, stats: StatsCollector | None = None) -> None:
        self.db = db
        self.stats = stats  # Scrapy >= 2.13 calls process_item without the spider, so keep the crawler's stats
        self.run_id = run_id
        self.evidence = EvidenceWriter(evidence_dir(db), run_id)
        self.store: LeadStore | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(
            Path(crawler.settings["TUTORWATCH_DB"]),
            crawler.settings.getint("TUTORWATCH_RUN_ID"),
            crawler.stats,
        )

    def open_spider(self, spider: Spider | None = None) -> None:
        self.store = SharedStore.acquire(self.db)

    def close_spider(self, spider: Spider | None = None) -> None:
        if self.store is not None:
            SharedStore.release(self.db)
            self.store = None

    def process_item(self, item: Item, spider: Spider | None = None) -> Item:
        assert self.store is not None
        outcome = store_listing(self.store, self.evidence, item, self.run_id)
        if self.stats is not None:
            self.stats.inc_value(f"tutorwatch/leads/{outcome}")
        return item
