"""scrapy-playwright's download handler with the header cap on its plain-HTTP requests.

A module of its own so that only a spider that renders imports Playwright (Scrapy loads the
handler from its path in DOWNLOAD_HANDLERS, crawler/fetching/rendering.py).
"""

from __future__ import annotations

from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

from crawler.fetching.header_limit import HeaderLimit


class BrowserHandler(HeaderLimit, ScrapyPlaywrightDownloadHandler):
    """Renders requests that ask for the browser; fetches the others over HTTP with headers capped."""
