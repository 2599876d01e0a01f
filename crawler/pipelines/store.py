"""Upsert each analysed listing into the leads store, one transaction per page; keep lead pages as evidence."""

from __future__ import annotations

from pathlib import Path

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.evidence import Capture, EvidenceWriter
from crawler.leads.store import LeadStore, evidence_dir
from crawler.listing import Item, KnownPage


def validators(page: Capture) -> tuple[str, str]:
    """The ETag and Last-Modified a page came with, for a conditional request next time."""
    headers = {name.lower(): value for name, value in page.headers}
    return headers.get("etag", ""), headers.get("last-modified", "")


def store_listing(store: LeadStore, evidence: EvidenceWriter, item: Item, run_id: int | None = None) -> str:
    """Record one item: an analysed listing (its page written as evidence first when it makes or changes
    a lead), or a detail page not downloaded tonight whose lead is seen again. Returns the outcome."""
    if isinstance(item, KnownPage):
        if item.recorded:  # stored by the interrupted crawl this run continues
            return "recorded"
        return store.seen_again(item.url, fetched=item.fetched, run_id=run_id)
    assert item.analysis is not None
    page = item.capture
    keep = (lambda: evidence.write(page)) if page is not None else None  # before the row pointing at it
    return store.upsert(
        item.listing,
        item.analysis,
        evidence=keep,
        registry=item.registry_status,
        validators=validators(page) if page is not None else ("", ""),
        run_id=run_id,
    )


class StorePipeline:
    def __init__(self, db: Path, run_id: int, stats: StatsCollector | None = None) -> None:
        self.db = db
        self.stats = stats  # Scrapy >= 2.13 calls process_item without the spider, so keep the crawler's stats
        self.run_id = run_id
        self.evidence = EvidenceWriter(evidence_dir(db), run_id)
        self.store: LeadStore | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(Path(crawler.settings["TUTORWATCH_DB"]), crawler.settings.getint("TUTORWATCH_RUN_ID"), crawler.stats)

    def open_spider(self, spider: Spider | None = None) -> None:
        self.store = LeadStore(self.db)

    def close_spider(self, spider: Spider | None = None) -> None:
        if self.store is not None:
            self.store.close()

    def process_item(self, item: Item, spider: Spider | None = None) -> Item:
        assert self.store is not None
        outcome = store_listing(self.store, self.evidence, item, self.run_id)
        if self.stats is not None:
            self.stats.inc_value(f"tutorwatch/leads/{outcome}")
        return item
