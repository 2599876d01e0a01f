"""Drop pages that yielded no listing (empty title and body): broken selectors must not become leads."""

from __future__ import annotations

from scrapy import Spider
from scrapy.exceptions import DropItem

from crawler.listing import Item, KnownPage


class ValidatePipeline:
    def process_item(self, item: Item, spider: Spider | None = None) -> Item:
        if isinstance(item, KnownPage):
            return item
        listing = item.listing
        if not listing.title.strip() and not listing.body.strip():
            raise DropItem(f"{listing.fetched_url}: no title and no body extracted")
        return item
