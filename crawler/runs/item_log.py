"""Scrapy's "Scraped from …" line per item, made only when the crawl's log would keep it.

Scrapy builds that DEBUG message for every item and hands it to the logging module, which makes a
record before the handler at the crawl's LOG_LEVEL (INFO) drops it: about 1% of the crawl process's
time (bench/crawl_speed.py). Scrapy logs nothing for an item when its formatter returns None.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.logformatter import LogFormatter, LogFormatterResult

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure


class ItemLogFormatter(LogFormatter):
    def __init__(self, debug: bool = False) -> None:
        self.debug = debug

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ItemLogFormatter:
        level = crawler.settings.get("LOG_LEVEL", "DEBUG")
        number = logging.getLevelNamesMapping().get(str(level).upper()) if isinstance(level, str) else level
        return cls(not isinstance(number, int) or number <= logging.DEBUG)

    def scraped(  # type: ignore[override]
        self, item: Any, response: Response | Failure | None, spider: Spider
    ) -> LogFormatterResult | None:
        return super().scraped(item, response, spider) if self.debug else None
