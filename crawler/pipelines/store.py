"""Upsert each analysed listing into the leads store, one transaction per page; keep lead pages as evidence."""

from __future__ import annotations

from pathlib import Path

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.evidence import EvidenceWriter
from crawler.leads.store import LeadStore, evidence_dir
from crawler.listing import CrawledListing


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

    def process_item(self, item: CrawledListing, spider: Spider | None = None) -> CrawledListing:
        assert self.store is not None and item.analysis is not None
        kept = None
        if item.capture is not None and self.store.needs_evidence(item.listing, item.analysis):
            kept = self.evidence.write(item.capture)  # before the row that points at it
        outcome = self.store.upsert(
            item.listing, item.analysis, evidence=kept, registry=item.registry_status, run_id=self.run_id
        )
        if self.stats is not None:
            self.stats.inc_value(f"tutorwatch/leads/{outcome}")
        return item
