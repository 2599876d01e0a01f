"""Rendered pages per second in Debian's chromium, beside plain HTTP on the same pages in the same run.

    .venv/bin/python bench/render_speed.py [--pages N] [--lists N] [--browser-pages P] [--tiny]

Serves the JS-built sample site (tongcheng_circle: four feed pages built by script, the posts
server-rendered; its deliberately slow and failing posts left out) on a free 127.0.0.1 port and
fetches the same N pages (default 200, the site's pages in turn) three times, one crawl after
another in one process: over plain HTTP, rendered in one browser context with P pages at once
(default 4, our setting) and rendered with the full-page PNG screenshot kept as evidence.
Politeness off, concurrency P for all three, the browser settings those of a real crawl
(crawler/fetching/rendering.py: images, fonts and media blocked). Rates count from the first page to
the last, so the browser's start is reported apart.

Then list pages, read as rendering did before (at the browser's "load") and as it does now (once
the list's detail links are there, or the network idle: crawler/fetching/render_wait.py), N of
each (default 40): the feed's pages, whose script builds the list from an inline string, and
youjiao_zhaopin's (tests/support/modern_sites.py), whose script fetches the list from an API that
answers after 1 s. Reported: pages/s and the share of list pages that came back with their links.
``--tiny`` (8 pages, 4 list pages) is what the test suite runs.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import AsyncIterator, Generator
from pathlib import Path
from typing import Any

import scrapy
from scrapy.crawler import CrawlerRunner
from scrapy.http import Response
from scrapy.utils.reactor import install_reactor
from twisted.internet import defer, task

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support: the sample servers, from the checkout

from crawler.fetching.render_wait import WaitPlan, browser_selector
from crawler.fetching.rendering import MIDDLEWARE, browser_settings, render_meta
from tests.support.modern_sites import MODERN_KINDS
from tests.support.sample_server import SITE_KINDS, load_listings, serve_samples

SITE = "tongcheng_circle"
LISTS = {  # site → (list page path, its detail_links selector)
    SITE: ("/feed/{n}", "div#feed a.note::attr(href)"),
    "youjiao_zhaopin": ("/jobs?page={n}", "ul#job-list a.job-link::attr(href)"),
}


class Pages(scrapy.Spider):
    """Fetches the given URLs in turn; records when each response arrived."""

    name = "render_speed"

    def __init__(
        self,
        urls: list[str],
        meta: dict[str, Any] | None,
        times: list[float],
        links: str = "",
        found: list[int] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.urls, self.page_meta, self.times = urls, meta, times
        self.links, self.found = links, found if found is not None else []

    async def start(self) -> AsyncIterator[Any]:
        self.times.append(time.perf_counter())  # the first entry: when the crawl began
        for url in self.urls:
            meta = render_meta(**self.page_meta) if self.page_meta is not None else {}
            yield scrapy.Request(url, meta=meta, dont_filter=True)

    def parse(self, response: Response) -> None:
        self.times.append(time.perf_counter())
        if self.links:
            self.found.append(len(response.css(self.links)))


def site_urls(base: str, count: int) -> list[str]:
    """The feed pages and the well-behaved posts, repeated up to ``count``."""
    listings = load_listings(SITE)
    awkward = {listings[2]["id"], listings[6]["id"]}  # the slow post and the one that fails once
    pages = [f"{base}/feed/{n}" for n in range(1, 5)] + [
        f"{base}/note/{item['id']}" for item in listings if item["id"] not in awkward
    ]
    return [pages[i % len(pages)] for i in range(count)]


MODES: list[tuple[str, dict[str, Any] | None]] = [
    ("plain HTTP", None),
    ("rendered", {"screenshot": False}),
    ("rendered + PNG screenshot", {"screenshot": True}),
]


@defer.inlineCallbacks
def measure(urls: list[str], concurrency: int) -> Generator[Any, Any, list[tuple[str, int, float, float]]]:
    """(mode, pages, seconds from first to last page, seconds before the first page) per mode."""
    rows = []
    for mode, meta in MODES:
        settings = crawl_settings(concurrency, urls[:1] if meta is not None else None)
        times: list[float] = []
        yield CrawlerRunner(settings).crawl(Pages, urls=urls, meta=meta, times=times)
        began, pages = times[0], times[1:]
        rows.append((mode, len(pages), pages[-1] - pages[0], pages[0] - began))
    return rows


def crawl_settings(concurrency: int, sites: list[str] | None) -> dict[str, Any]:
    """Politeness off, ``concurrency`` pages at once; with ``sites`` the crawl's own browser settings for them."""
    return {
        "LOG_LEVEL": "WARNING",
        "ROBOTSTXT_OBEY": False,
        "TELNETCONSOLE_ENABLED": False,
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "DOWNLOAD_DELAY": 0,
        **(browser_settings(sites) if sites else {}),
        "DOWNLOADER_MIDDLEWARES": MIDDLEWARE,
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": concurrency,
    }


@defer.inlineCallbacks
def measure_lists(
    bases: dict[str, str], count: int, concurrency: int
) -> Generator[Any, Any, list[tuple[str, str, int, float, float]]]:
    """(site, how read, pages, pages/s, share with links) for list pages read at load and once their links are there."""
    rows = []
    for site, (path, links) in LISTS.items():
        pages = 4 if site == SITE else 5
        urls = [bases[site] + path.format(n=1 + i % pages) for i in range(count)]
        waits = {"at load (before)": None, "once the links are there (now)": WaitPlan(browser_selector(links), 15_000)}
        for how, wait in waits.items():
            times: list[float] = []
            found: list[int] = []
            meta = {"screenshot": False, "wait": wait}
            yield CrawlerRunner(crawl_settings(concurrency, [bases[site]])).crawl(
                Pages, urls=urls, meta=meta, times=times, links=links, found=found
            )
            seconds = times[-1] - times[1] if len(times) > 2 else float("nan")
            rows.append((site, how, len(found), (len(found) - 1) / seconds, sum(n > 0 for n in found) / len(found)))
    return rows


def report_lists(rows: list[tuple[str, str, int, float, float]]) -> None:
    print("\n| list pages of | read | pages | pages/s | came back with their links |")
    print("|---|---|---|---|---|")
    for site, how, pages, rate, share in rows:
        print(f"| {site} | {how} | {pages} | {rate:.1f} | {share:.0%} |")


def report(rows: list[tuple[str, int, float, float]], concurrency: int) -> None:
    plain_rate = (rows[0][1] - 1) / rows[0][2]
    print(f"{rows[0][1]} pages of {SITE}, concurrency {concurrency}, one browser context\n")
    print("| mode | pages | pages/s | vs plain | before the first page |")
    print("|---|---|---|---|---|")
    for mode, pages, seconds, start in rows:
        rate = (pages - 1) / seconds
        print(f"| {mode} | {pages} | {rate:.1f} | {rate / plain_rate:.2f} | {start:.2f} s |")


@defer.inlineCallbacks
def measure_all(urls: list[str], bases: dict[str, str], lists: int, concurrency: int) -> Generator[Any, Any, None]:
    report((yield measure(urls, concurrency)), concurrency)
    report_lists((yield measure_lists(bases, lists, concurrency)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--lists", type=int, default=40, help="list pages of each site, read each way")
    parser.add_argument("--browser-pages", type=int, default=4, help="pages open at once in the one context")
    parser.add_argument("--tiny", action="store_true", help="8 pages and 4 list pages: the suite's check that it runs")
    args = parser.parse_args()
    if args.tiny:
        args.pages, args.lists = 8, 4
    kinds = {**SITE_KINDS, **MODERN_KINDS}
    with serve_samples(dict.fromkeys(LISTS, 0), kinds=kinds) as ports:
        bases = {site: f"http://127.0.0.1:{port}" for site, port in ports.items()}
        urls = site_urls(bases[SITE], args.pages)
        task.react(lambda _reactor: measure_all(urls, bases, args.lists, args.browser_pages))


if __name__ == "__main__":
    install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
    main()
