"""Count, per site, the listings that lacked each optional field the config names (alltheplaces'
``field/<x>/missing`` stats): a selector that silently stopped matching shows up the next morning."""

from __future__ import annotations

from scrapy import Spider
from scrapy.crawler import Crawler

from crawler.config.site_config import SiteConfig
from crawler.extraction.listing import Item, KnownPage

LISTINGS = "tutorwatch/field/listings"
REQUIRED = ("title", "body")


def missing_key(field: str) -> str:
    return f"tutorwatch/field/{field}/missing"


def optional_fields(site: SiteConfig) -> list[str]:
    """The optional fields this site's config extracts (a field it does not name is never 'missing')."""
    return [name for name in site.detail.text_fields() if name not in REQUIRED]


class FieldCountsPipeline:
    def __init__(self, crawler: Crawler | None = None) -> None:
        self.crawler = crawler  # Scrapy >= 2.13 calls process_item without the spider
        self.fields: dict[str, list[str]] = {}  # site id → its optional fields, read once (not a model dump a page)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FieldCountsPipeline:
        return cls(crawler)

    def process_item(self, item: Item, spider: Spider | None = None) -> Item:
        spider = self.crawler.spider if self.crawler is not None else spider
        site = getattr(spider, "site", None)
        stats = self.crawler.stats if self.crawler is not None else None
        if isinstance(item, KnownPage) or site is None or stats is None:
            return item
        stats.inc_value(LISTINGS)
        fields = self.fields.get(site.site_id)
        if fields is None:
            fields = self.fields[site.site_id] = optional_fields(site)
        for name in fields:
            if not getattr(item.listing, name).strip():
                stats.inc_value(missing_key(name))
        return item
