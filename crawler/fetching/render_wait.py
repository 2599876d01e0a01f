"""When a rendered page is read: once what the config needs is there, not when the browser says "load".

Most list pages today are a shell that a script fills after the page loaded, from an API call
that may take a while; read at "load", they hold no links. A rendered page is read when the
list's detail_links (or ``wait_for``) selector matches, or when the network has been idle for
half a second (a page that loads nothing more), whichever comes first; after ``wait_timeout``
the page is read as it is and the spider records a fault. Feeds are then scrolled to their end
``scroll`` times, or their "load more" button clicked up to ``limit`` times, each step waiting
until more items arrived or the network went idle again. Idle is counted from the step, not
from the last request before it (a feed's script may start its fetch a moment after the scroll
event), and a feed ends only after two steps in a row bring nothing: a busy machine can deliver
the fetch's first event late, and one early read would cut the feed short.

The network is watched from before the navigation (``track_network``, scrapy-playwright's
page init callback): requests in flight are counted, so "idle" means no request for IDLE_MS.
The outcome is the PageMethod's result (a ``Settled``), read by the spider.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.async_api import Page
    from scrapy import Request

IDLE_MS = 500
STALLS_END_FEED = 2  # steps in a row that bring no new items before a feed counts as ended
STEP_TIMEOUT_MS = 5_000  # one scroll or click: more items, or an idle network, within this
POLL_SECONDS = 0.05
_NETWORK = "_tutorwatch_network"


@dataclass(frozen=True)
class WaitPlan:
    selector: str  # a Playwright selector: css=… or xpath=…
    timeout_ms: int
    idle_ends: bool = True
    scroll: int = 0
    click_more: str = ""  # a Playwright selector of the "load more" button
    click_limit: int = 0


@dataclass(frozen=True)
class Settled:
    ended: str  # selector | idle | timeout: what ended the first wait
    waited_ms: int
    matches: int  # elements matching the selector when the page was read
    scrolls: int = 0
    clicks: int = 0


def browser_selector(query: str) -> str:
    """A config selector (CSS with ::attr()/::text, or xpath:… ending in /@attr or /text()) as the
    element selector Playwright waits for."""
    if query.startswith("xpath:"):
        expr = re.sub(r"/(@[\w:-]+|text\(\))$", "", query[6:].strip())
        return f"xpath={expr}"
    parts = [re.sub(r"::(attr\([^)]*\)|text)\s*$", "", part.strip()) for part in query.split(",")]
    return "css=" + ", ".join(p for p in parts if p)


class _Network:
    """Requests in flight on one page, and when that last changed."""

    def __init__(self) -> None:
        self.inflight = 0
        self.changed = time.monotonic()

    def started(self, _request: Any) -> None:
        self.inflight += 1
        self.changed = time.monotonic()

    def ended(self, _request: Any) -> None:
        self.inflight = max(0, self.inflight - 1)
        self.changed = time.monotonic()

    async def idle(self, since: float = 0.0) -> None:
        """Return once no request has been in flight for IDLE_MS, counted from ``since`` at the earliest."""
        while self.inflight or time.monotonic() - max(self.changed, since) < IDLE_MS / 1000:
            await asyncio.sleep(POLL_SECONDS)


async def track_network(page: Page, _request: Request) -> None:
    """scrapy-playwright's page init callback: count the page's requests from before it navigates."""
    network = _Network()
    page.on("request", network.started)
    page.on("requestfinished", network.ended)
    page.on("requestfailed", network.ended)
    setattr(page, _NETWORK, network)


async def _first(waits: dict[str, Any], timeout_ms: int) -> str:
    """The name of the first wait to finish, or 'timeout'; the others are cancelled."""
    tasks = {asyncio.ensure_future(w): name for name, w in waits.items()}
    done, pending = await asyncio.wait(tasks, timeout=timeout_ms / 1000, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    finished = [tasks[t] for t in done if not t.cancelled() and t.exception() is None]
    return finished[0] if finished else "timeout"


async def _grown(page: Page, selector: str, count: int) -> None:
    while await page.locator(selector).count() <= count:
        await asyncio.sleep(POLL_SECONDS * 2)


async def _step(page: Page, network: _Network, selector: str, before: int, since: float) -> bool:
    """After a scroll or click at ``since``: True when more items arrived, False when the network
    went idle (from ``since``) without them."""
    await _first({"grown": _grown(page, selector, before), "idle": network.idle(since)}, STEP_TIMEOUT_MS)
    return await page.locator(selector).count() > before


_TO_END = "window.scrollTo(0, document.documentElement.scrollHeight)"
_BACK_A_SCREEN = "window.scrollBy(0, -window.innerHeight)"


async def _scroll_to_end(page: Page, again: bool) -> None:
    """Scroll to the end; ``again`` (the last step brought nothing) first moves back a screen, since
    a page already at its end gets no new scroll event from scrolling there once more."""
    if again:
        await page.evaluate(_BACK_A_SCREEN)
        await asyncio.sleep(POLL_SECONDS * 2)
    await page.evaluate(_TO_END)


async def settle(page: Page, plan: WaitPlan) -> Settled:
    """Wait for the page's content (the scrapy-playwright PageMethod), then load more of a feed."""
    network: _Network = getattr(page, _NETWORK, None) or _Network()
    began = time.monotonic()
    waits: dict[str, Any] = {"selector": page.wait_for_selector(plan.selector, state="attached", timeout=0)}
    if plan.idle_ends:
        waits["idle"] = network.idle()
    ended = await _first(waits, plan.timeout_ms)
    waited = int((time.monotonic() - began) * 1000)
    scrolls = clicks = 0
    if ended != "timeout":
        stalls = 0
        while scrolls < plan.scroll and stalls < STALLS_END_FEED:
            before = await page.locator(plan.selector).count()
            since = time.monotonic()
            await _scroll_to_end(page, again=stalls > 0)
            scrolls += 1
            stalls = 0 if await _step(page, network, plan.selector, before, since) else stalls + 1
        stalls = 0
        while plan.click_more and clicks < plan.click_limit and stalls < STALLS_END_FEED:
            button = page.locator(plan.click_more).first
            if not await button.count() or not await button.is_visible():
                break
            before = await page.locator(plan.selector).count()
            since = time.monotonic()
            await button.click(timeout=STEP_TIMEOUT_MS)
            clicks += 1
            stalls = 0 if await _step(page, network, plan.selector, before, since) else stalls + 1
    matches = await page.locator(plan.selector).count()
    return Settled(ended, waited, matches, scrolls, clicks)
