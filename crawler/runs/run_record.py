"""Scrapy extension: when a site's spider closes, record its health row (pages, listings, errors, reason),
the pages that did not come through (crawler/runs/faults.py), the parameters that made copies of one
page (crawler/extraction/same_page.py) and how many listings lacked each optional field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from crawler.fetching.page_limit import PICTURE_RESPONSES
from crawler.pipelines.field_counts import LISTINGS, missing_key, optional_fields
from crawler.pipelines.store import SharedStore


def site_counts(stats: dict[str, Any]) -> dict[str, int]:
    """A site's pages, listings, leads and errors so far, from its crawler's stats (also shown as progress)."""
    return {
        "pages": stats.get("response_received_count", 0) - stats.get(PICTURE_RESPONSES, 0),  # pictures are not pages
        "listings": stats.get("item_scraped_count", 0),
        "leads": sum(stats.get(f"tutorwatch/leads/{outcome}", 0) for outcome in ("new", "changed", "seen")),
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
        counts = site_counts(self.crawler.stats.get_stats() if self.crawler.stats else {})
        store = SharedStore.acquire(self.db)  # the pipelines' connection: another would wait on their batch
        try:
            store.record_site(
                self.run_id,
                spider.name,
                pages=counts["pages"],
                listings=counts["listings"],
                errors=counts["errors"],
                reason=reason,
            )
            store.record_faults(self.run_id, spider.name, getattr(spider, "faults", []))
            site = getattr(spider, "site", None)
            if site is not None:
                stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
                listings = stats.get(LISTINGS, 0)
                fields = [(name, stats.get(missing_key(name), 0), listings) for name in optional_fields(site)]
                same = spider.same.rows() if hasattr(spider, "same") else []
                store.record_site_notes(self.run_id, spider.name, same, fields if listings else [])
        finally:
            SharedStore.release(self.db)
