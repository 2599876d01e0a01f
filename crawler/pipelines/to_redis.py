"""Worker side: each detected listing goes to Redis as JSON for the one writer (a worker has no database).

scrapy-redis's own RedisPipeline is not used: on Scrapy ≥ 2.13 its ``process_item(item, spider)``
and its Deferred result are deprecated, and its default encoder cannot carry the page's bytes.
"""

from __future__ import annotations

from scrapy import Spider
from scrapy.crawler import Crawler

from crawler.extraction.listing import CrawledListing
from crawler.scaleout.codec import listing_dumps
from crawler.scaleout.frontier import Frontier, connect


class ToRedisPipeline:
    def __init__(self, frontier: Frontier) -> None:
        self.frontier = frontier

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ToRedisPipeline:
        return cls(Frontier(connect(crawler.settings["REDIS_URL"])))

    def process_item(self, item: CrawledListing, spider: Spider | None = None) -> CrawledListing:
        self.frontier.push_item(listing_dumps(item))
        return item
