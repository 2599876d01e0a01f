"""Run the detectors on each listing; the crawl and ``check`` share this with ``scan``."""

from __future__ import annotations

from scrapy import Spider

from crawler.listing import CrawledListing
from detectors import analyze


class DetectPipeline:
    def process_item(self, item: CrawledListing, spider: Spider | None = None) -> CrawledListing:
        listing = item.listing
        item.analysis = analyze(listing.title, listing.body, listing.platform)
        return item
