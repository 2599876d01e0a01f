"""Upsert each analysed listing into the leads store, one transaction per page."""

from __future__ import annotations

from pathlib import Path

from scrapy import Spider
from scrapy.crawler import Crawler

from crawler.leads.store import LeadStore
from crawler.listing import CrawledListing


class StorePipeline:
    def __init__(self, db: Path) -> None:
        self.db = db
        self.store: LeadStore | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(Path(crawler.settings["TUTORWATCH_DB"]))

    def open_spider(self, spider: Spider | None = None) -> None:
        self.store = LeadStore(self.db)

    def close_spider(self, spider: Spider | None = None) -> None:
        if self.store is not None:
            self.store.close()

    def process_item(self, item: CrawledListing, spider: Spider | None = None) -> CrawledListing:
        assert self.store is not None and item.analysis is not None
        outcome = self.store.upsert(item.listing, item.analysis)
        if spider is not None and spider.crawler.stats is not None:
            spider.crawler.stats.inc_value(f"tutorwatch/leads/{outcome}")
        return item
