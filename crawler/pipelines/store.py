"""Upsert each analysed listing into the leads store, one transaction per page; keep lead pages as evidence."""

from __future__ import annotations

from pathlib import Path

from scrapy import Spider
from scrapy.crawler import Crawler

from crawler.evidence import EvidenceWriter
from crawler.leads.store import LeadStore, evidence_dir
from crawler.listing import CrawledListing


def store_listing(store: LeadStore, evidence: EvidenceWriter, item: CrawledListing) -> str:
    """Upsert one analysed listing, its page written as evidence first when it makes or changes a lead."""
    assert item.analysis is not None
    kept = None
    if item.capture is not None and store.needs_evidence(item.listing, item.analysis):
        kept = evidence.write(item.capture)  # before the row that points at it
    return store.upsert(item.listing, item.analysis, evidence=kept, registry=item.registry_status)


class StorePipeline:
    def __init__(self, db: Path, run_id: int) -> None:
        self.db = db
        self.evidence = EvidenceWriter(evidence_dir(db), run_id)
        self.store: LeadStore | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(Path(crawler.settings["TUTORWATCH_DB"]), crawler.settings.getint("TUTORWATCH_RUN_ID"))

    def open_spider(self, spider: Spider | None = None) -> None:
        self.store = LeadStore(self.db)

    def close_spider(self, spider: Spider | None = None) -> None:
        if self.store is not None:
            self.store.close()

    def process_item(self, item: CrawledListing, spider: Spider | None = None) -> CrawledListing:
        assert self.store is not None
        outcome = store_listing(self.store, self.evidence, item)
        if spider is not None and spider.crawler.stats is not None:
            spider.crawler.stats.inc_value(f"tutorwatch/leads/{outcome}")
        return item
