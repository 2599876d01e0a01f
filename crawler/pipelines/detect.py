"""Run the detectors on each listing, then the licence registry with the listing's publisher."""

from __future__ import annotations

from scrapy import Spider

from crawler.extraction.listing import Item, KnownPage
from detectors import analyze
from detectors.registry import registry_status, with_registry


class DetectPipeline:
    def process_item(self, item: Item, spider: Spider | None = None) -> Item:
        if isinstance(item, KnownPage):
            return item
        listing = item.listing
        analysis = analyze(listing.title, listing.body, listing.platform)
        item.registry_status, name = registry_status(analysis, listing.publisher, listing.title)
        item.analysis = with_registry(analysis, item.registry_status, name, f"{listing.title}\n{listing.body}")
        return item
