"""Run the analysis engine on each listing: built from the crawl's settings, the same as ``scan``'s."""

from __future__ import annotations

from scrapy import Spider
from scrapy.crawler import Crawler

from crawler.config.settings import ENGINE_SETTING
from crawler.extraction.listing import Item, KnownPage
from detectors.engine import Engine, EngineConfig


class DetectPipeline:
    def __init__(self, config: EngineConfig) -> None:
        self.engine = Engine.shared(config)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DetectPipeline:
        return cls(crawler.settings.get(ENGINE_SETTING) or EngineConfig())

    def process_item(self, item: Item, spider: Spider | None = None) -> Item:
        if isinstance(item, KnownPage):
            return item
        item.analysis = self.engine.analyze(item.listing.document())
        return item
