"""Browser rendering through scrapy-playwright, for the requests that need it and no others.

Only a spider that renders something gets the Playwright download handler (``browser_settings()``
in its ``custom_settings``), so a crawl where no site renders never starts the Playwright driver
or a browser; within that spider only requests carrying ``render_meta()`` go to the browser, the
rest stay plain HTTP. The browser is Debian's chromium (never a downloaded one): its headless shell
(package chromium-headless-shell) when installed, the full browser in its headless mode otherwise. When it dies,
scrapy-playwright launches a new one for the next request (PLAYWRIGHT_RESTART_DISCONNECTED_BROWSER)
and Scrapy's retry middleware retries the requests that failed with it (RETRY_EXCEPTIONS).

A rendered page runs the site's scripts, which may try to reach anything (another host, a
POST to an internal service). ``BrowserGuard`` lets the browser load only the page's own site
(the scheme, host and port of the site's start URLs, or of the URL ``check`` was given) and the
hosts a site config allows (``render_hosts``); everything else is aborted, as are images, fonts
and media. Service workers, which could fetch around that check, are blocked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.http import Request, Response
from scrapy.settings.default_settings import RETRY_EXCEPTIONS
from scrapy_playwright.page import PageMethod

from crawler.errors import ConfigError
from crawler.fetching.addresses import download_handlers
from crawler.fetching.render_wait import Settled, WaitPlan, settle, track_network

if TYPE_CHECKING:
    from playwright.async_api import Request as BrowserRequest

# Debian's two builds of the same chromium, the first one installed is launched. The headless shell is the
# headless-only browser Playwright itself runs for headless Chromium (the full browser's headless mode is the whole
# desktop browser without its window): on the sample sites' night 210 MB (PSS, all its processes) against 387 MB
# for the full browser, the same pages read (docs/performance.md, "16k"). The shell's own binary, not the package's
# /usr/bin wrapper, which runs it as a child of a shell (the full browser's wrapper replaces itself with it).
BROWSERS = (Path("/usr/lib/chromium/chromium-headless-shell"), Path("/usr/bin/chromium"))
CHROMIUM = next((path for path in BROWSERS if path.exists()), BROWSERS[-1])
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--renderer-process-limit=2",  # the 4 pages share two renderers: Chromium 25-40 MB less on the sample feed
)
# Node options of Playwright's driver (the node process between this one and the browser), through its environment:
# V8's young generation is 3 semi-spaces of 16 MiB by default; at 1 MiB the driver holds 10-15 MB less (PSS, the
# sample sites' night, docs/hostile-input.md) and only collects its short-lived objects more often.
DRIVER_NODE_OPTIONS = ("--max-semi-space-size=1",)
BLOCKED_RESOURCES = frozenset({"image", "font", "media"})
PAGE_TIMEOUT_MS = 30_000
HANDLER = "crawler.fetching.browser_handler.BrowserHandler"  # loaded by Scrapy only in a spider that renders
SCREENSHOT = "screenshot"
NO_NETWORK = ("data", "blob", "about")  # schemes a page loads without a request leaving the browser
DEFAULT_PORTS = {"http": 80, "https": 443}
CONTEXT = {"service_workers": "block"}  # a service worker could fetch around BrowserGuard
SETTLE = "settle"
RENDER = "tutorwatch_render"  # the plain-data plan of a rendered request
MIDDLEWARE = {"crawler.fetching.rendering.RenderMethods": 590}  # before the download handler, after retries


def origin(url: str) -> str:
    """host:port of a URL, the port made explicit (http://a/ and http://a:80/ are one site)."""
    parts = urlsplit(url if "//" in url else f"//{url}")
    return f"{parts.hostname or ''}:{parts.port or DEFAULT_PORTS.get(parts.scheme, '*')}"


class BrowserGuard:
    """PLAYWRIGHT_ABORT_REQUEST: True (abort) for anything but the allowed sites' own http(s) requests."""

    def __init__(self, sites: Iterable[str]) -> None:
        allowed = set()
        for site in sites:
            key = origin(site)
            allowed |= {key} if not key.endswith(":*") else {key[:-1] + "80", key[:-1] + "443"}
        self.allowed = frozenset(allowed)

    def __call__(self, request: BrowserRequest) -> bool:
        if request.resource_type in BLOCKED_RESOURCES:
            return True
        scheme = urlsplit(request.url).scheme
        if scheme in NO_NETWORK:
            return False
        return scheme not in DEFAULT_PORTS or origin(request.url) not in self.allowed


def browser_settings(sites: Iterable[str]) -> dict[str, Any]:
    """Settings of a spider that renders: the browser handler, allowed to load only ``sites``.

    ``sites`` are URLs (their scheme, host and port) or ``host[:port]`` entries (a bare host: ports 80 and 443).
    """
    return {
        "DOWNLOAD_HANDLERS": download_handlers(HANDLER),
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {"executable_path": str(CHROMIUM), "headless": True, "args": list(CHROMIUM_ARGS)},
        "PLAYWRIGHT_ABORT_REQUEST": BrowserGuard(sites),
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": PAGE_TIMEOUT_MS,
        "PLAYWRIGHT_RESTART_DISCONNECTED_BROWSER": True,
        "PLAYWRIGHT_MAX_CONTEXTS": 1,
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 4,
        # a page lost with a dying browser is fetched again, by the browser launched in its place
        "RETRY_EXCEPTIONS": [*RETRY_EXCEPTIONS, "playwright.async_api.Error"],
    }


def require_browser(who: str) -> None:
    """Fail before crawling, in one line, when rendering is asked for and chromium is not installed."""
    if not CHROMIUM.exists():
        missing = " and ".join(map(str, BROWSERS))
        install = "apt-get install -y chromium-headless-shell"
        raise ConfigError(f"{who} needs a browser but {missing} are missing ({install})")


def render_meta(screenshot: bool, wait: WaitPlan | None = None) -> dict[str, Any]:
    """Request meta that sends one request through the browser: read once ``wait`` is satisfied
    (crawler/fetching/render_wait.py), with a full-page PNG if asked.

    The meta stays plain data (a scale-out crawl keeps requests in Redis as JSON);
    ``RenderMethods`` turns it into scrapy-playwright's page methods when the request is downloaded.
    """
    plan = {"screenshot": screenshot, "wait": asdict(wait) if wait is not None else None}
    # the context is made by the first request that needs it (a startup context would launch a browser per handler)
    return {"playwright": True, RENDER: plan, "playwright_context_kwargs": CONTEXT}


class RenderMethods:
    """Downloader middleware: a rendered request's plan (``render_meta``) as scrapy-playwright page methods."""

    def process_request(self, request: Request, spider: object = None) -> None:
        plan = request.meta.get(RENDER)
        if not plan or "playwright_page_methods" in request.meta:
            return
        methods: dict[str, PageMethod] = {}
        if plan.get("wait"):
            methods[SETTLE] = PageMethod(settle, WaitPlan(**plan["wait"]))
            request.meta["playwright_page_init_callback"] = track_network
        if plan.get("screenshot"):
            methods[SCREENSHOT] = PageMethod("screenshot", full_page=True, type="png")
        request.meta["playwright_page_methods"] = methods


def settled_of(response: Response) -> Settled | None:
    """How the wait for a rendered page ended, or None (not rendered, or rendered without a wait)."""
    method = (response.meta.get("playwright_page_methods") or {}).get(SETTLE)
    return method.result if method is not None and isinstance(method.result, Settled) else None


def screenshot_of(response: Response) -> bytes | None:
    """The PNG taken of a rendered page, or None for a page fetched over plain HTTP."""
    method = (response.meta.get("playwright_page_methods") or {}).get(SCREENSHOT)
    return method.result if method is not None and isinstance(method.result, bytes) else None
