"""scrapy-playwright's download handler with the header cap on its plain-HTTP requests, one per crawler.

A module of its own so that only a spider that renders imports Playwright (Scrapy loads the
handler from its path in DOWNLOAD_HANDLERS, crawler/fetching/rendering.py).

Scrapy builds a handler for each scheme it is configured for (http and https), and each
scrapy-playwright handler starts its own Playwright driver, a node process of about 90 MB: a
night with one rendered site ran two. ``from_crawler`` gives both schemes the same handler, and
only the last scheme's ``close`` shuts it (its browser and driver) down.

Playwright starts its driver with a copy of this process's environment and offers no other way to
give it Node options, so ``NODE_OPTIONS`` holds the driver's (``DRIVER_NODE_OPTIONS``,
crawler/fetching/rendering.py) while the driver starts, and is restored right after.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar
from weakref import WeakKeyDictionary

from scrapy.crawler import Crawler
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

from crawler.fetching.header_limit import HeaderLimit
from crawler.fetching.rendering import DRIVER_NODE_OPTIONS


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

    async def _launch(self) -> None:
        with node_options(DRIVER_NODE_OPTIONS):
            await super()._launch()

    async def close(self) -> None:
        self.schemes -= 1
        if self.schemes <= 0:
            await super().close()


@contextmanager
def node_options(options: tuple[str, ...]) -> Iterator[None]:
    """``options`` added to NODE_OPTIONS for the node processes started meanwhile (the driver); then restored."""
    before = os.environ.get("NODE_OPTIONS")
    os.environ["NODE_OPTIONS"] = " ".join([*([before] if before else []), *options])
    try:
        yield
    finally:
        if before is None:
            del os.environ["NODE_OPTIONS"]
        else:
            os.environ["NODE_OPTIONS"] = before
