"""scrapy-playwright's download handler with the header cap on its plain-HTTP requests, one per crawler.

A module of its own so that only a spider that renders imports Playwright (Scrapy loads the
handler from its path in DOWNLOAD_HANDLERS, crawler/fetching/rendering.py).

Scrapy builds a handler for each scheme it is configured for (http and https), and each
scrapy-playwright handler starts its own Playwright driver, a node process of about 90 MB: a
night with one rendered site ran two. ``from_crawler`` gives both schemes the same handler, and
only the last scheme's ``close`` shuts it (its browser and driver) down.
"""

from __future__ import annotations

from typing import ClassVar
from weakref import WeakKeyDictionary

from scrapy.crawler import Crawler
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

from crawler.fetching.header_limit import HeaderLimit


class BrowserHandler(HeaderLimit, ScrapyPlaywrightDownloadHandler):
    """Renders requests that ask for the browser; fetches the others over HTTP with headers capped."""

    _shared: ClassVar[WeakKeyDictionary[Crawler, BrowserHandler]] = WeakKeyDictionary()
    schemes: int = 0  # the schemes this one handler serves (closed when the last one closes)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BrowserHandler:  # type: ignore[override]
        handler = cls._shared.get(crawler)
        if handler is None:
            handler = cls._shared[crawler] = cls(crawler)
        handler.schemes += 1
        return handler

    async def close(self) -> None:
        self.schemes -= 1
        if self.schemes <= 0:
            await super().close()
