"""Browser rendering through scrapy-playwright, for the requests that need it and no others.

Only a spider that renders something gets the Playwright download handler (``BROWSER_SETTINGS``
in its ``custom_settings``), so a crawl where no site renders never starts the Playwright driver
or a browser; within that spider only requests carrying ``render_meta()`` go to the browser, the
rest stay plain HTTP. The browser is Debian's chromium (never a downloaded one). When it dies,
scrapy-playwright launches a new one for the next request (PLAYWRIGHT_RESTART_DISCONNECTED_BROWSER)
and Scrapy's retry middleware retries the requests that failed with it (RETRY_EXCEPTIONS).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.http import Response
from scrapy.settings.default_settings import RETRY_EXCEPTIONS
from scrapy_playwright.page import PageMethod

from crawler.errors import ConfigError

if TYPE_CHECKING:
    from playwright.async_api import Request as BrowserRequest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
)
BLOCKED_RESOURCES = frozenset({"image", "font", "media"})
PAGE_TIMEOUT_MS = 30_000
HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
SCREENSHOT = "screenshot"

BROWSER_SETTINGS: dict[str, Any] = {
    "DOWNLOAD_HANDLERS": {"http": HANDLER, "https": HANDLER},
    "PLAYWRIGHT_BROWSER_TYPE": "chromium",
    "PLAYWRIGHT_LAUNCH_OPTIONS": {"executable_path": str(CHROMIUM), "headless": True, "args": list(CHROMIUM_ARGS)},
    "PLAYWRIGHT_ABORT_REQUEST": "crawler.fetching.rendering.blocked",
    "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": PAGE_TIMEOUT_MS,
    "PLAYWRIGHT_RESTART_DISCONNECTED_BROWSER": True,
    "PLAYWRIGHT_MAX_CONTEXTS": 1,
    "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 4,
    # a page lost with a dying browser is fetched again, by the browser launched in its place
    "RETRY_EXCEPTIONS": [*RETRY_EXCEPTIONS, "playwright.async_api.Error"],
}


def blocked(request: BrowserRequest) -> bool:
    """Images, fonts and media are never fetched: the text is what is judged, and they cost most."""
    return request.resource_type in BLOCKED_RESOURCES


def require_browser(who: str) -> None:
    """Fail before crawling, in one line, when rendering is asked for and chromium is not installed."""
    if not CHROMIUM.exists():
        raise ConfigError(f"{who} needs a browser but {CHROMIUM} is missing (apt-get install -y chromium)")


def render_meta(screenshot: bool) -> dict[str, Any]:
    """Request meta that sends one request through the browser, with a full-page PNG if asked."""
    methods = {SCREENSHOT: PageMethod("screenshot", full_page=True, type="png")} if screenshot else {}
    return {"playwright": True, "playwright_page_methods": methods}


def screenshot_of(response: Response) -> bytes | None:
    """The PNG taken of a rendered page, or None for a page fetched over plain HTTP."""
    method = (response.meta.get("playwright_page_methods") or {}).get(SCREENSHOT)
    return method.result if method is not None and isinstance(method.result, bytes) else None
