"""Scrapy extension: when a site's spider closes, record its health row (pages, listings, errors, reason)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from crawler.leads.store import LeadStore


def site_counts(stats: dict[str, Any]) -> dict[str, int]:
    """A site's health from its crawler's stats: pages fetched, listings extracted, errors."""
    return {
        "pages": stats.get("response_received_count", 0),
        "listings": stats.get("item_scraped_count", 0),
        "errors": sum(stats.get(key, 0) for key in ("log_count/ERROR", "httperror/response_ignored_count")),
    }


class RunRecorder:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.db = Path(crawler.settings["TUTORWATCH_DB"])
        self.run_id = crawler.settings.getint("TUTORWATCH_RUN_ID")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunRecorder:
        recorder = cls(crawler)
        crawler.signals.connect(recorder.spider_closed, signal=signals.spider_closed)
        return recorder

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        with LeadStore(self.db) as store:
            store.record_site(self.run_id, spider.name, reason=reason, **site_counts(stats))
