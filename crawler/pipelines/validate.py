"""Drop pages that yielded no listing (empty title and body): broken selectors must not become leads.

Each dropped page is a fault of the run (the morning report lists it), not only a log line.
"""

from __future__ import annotations

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.extraction.listing import Item, KnownPage


class ValidatePipeline:
    def __init__(self, crawler: Crawler | None = None) -> None:
        self.crawler = crawler  # Scrapy >= 2.13 calls process_item without the spider

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler)

    def process_item(self, item: Item, spider: Spider | None = None) -> Item:
        if isinstance(item, KnownPage):
            return item
        listing = item.listing
        if not listing.title.strip() and not listing.body.strip():
            reason = "no title and no body extracted (selectors out of date?)"
            spider = self.crawler.spider if self.crawler is not None else spider
            if spider is not None and hasattr(spider, "fault"):
                spider.fault(listing.fetched_url, reason)
            raise DropItem(f"{listing.fetched_url}: {reason}")
        return item
