"""Rendered pages per second in Debian's chromium, beside plain HTTP on the same pages in the same run.

    .venv/bin/python bench/render_speed.py [--pages N] [--browser-pages P]

Serves the JS-built sample site (tongcheng_circle: four feed pages built by script, the posts
server-rendered; its deliberately slow and failing posts left out) on a free 127.0.0.1 port and
fetches the same N pages (default 200, the site's pages in turn) three times, one crawl after
another in one process: over plain HTTP, rendered in one browser context with P pages at once
(default 4, our setting) and rendered with the full-page PNG screenshot kept as evidence.
Politeness off, concurrency P for all three, the browser settings those of a real crawl
(crawler/fetching/rendering.py: images, fonts and media blocked). Rates count from the first page to
the last, so the browser's start is reported apart.
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

from crawler.fetching.rendering import browser_settings, render_meta
from tests.support.sample_server import load_listings, serve_samples

SITE = "tongcheng_circle"


class Pages(scrapy.Spider):
    """Fetches the given URLs in turn; records when each response arrived."""

    name = "render_speed"

    def __init__(self, urls: list[str], meta: dict[str, Any] | None, times: list[float], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urls, self.page_meta, self.times = urls, meta, times

    async def start(self) -> AsyncIterator[Any]:
        self.times.append(time.perf_counter())  # the first entry: when the crawl began
        for url in self.urls:
            meta = render_meta(**self.page_meta) if self.page_meta is not None else {}
            yield scrapy.Request(url, meta=meta, dont_filter=True)

    def parse(self, response: Response) -> None:
        self.times.append(time.perf_counter())


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
        settings = {
            "LOG_LEVEL": "WARNING",
            "ROBOTSTXT_OBEY": False,
            "TELNETCONSOLE_ENABLED": False,
            "CONCURRENT_REQUESTS": concurrency,
            "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
            "DOWNLOAD_DELAY": 0,
            **(browser_settings(urls[:1]) if meta is not None else {}),
            "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": concurrency,
        }
        times: list[float] = []
        yield CrawlerRunner(settings).crawl(Pages, urls=urls, meta=meta, times=times)
        began, pages = times[0], times[1:]
        rows.append((mode, len(pages), pages[-1] - pages[0], pages[0] - began))
    return rows


def report(rows: list[tuple[str, int, float, float]], concurrency: int) -> None:
    plain_rate = (rows[0][1] - 1) / rows[0][2]
    print(f"{rows[0][1]} pages of {SITE}, concurrency {concurrency}, one browser context\n")
    print("| mode | pages | pages/s | vs plain | before the first page |")
    print("|---|---|---|---|---|")
    for mode, pages, seconds, start in rows:
        rate = (pages - 1) / seconds
        print(f"| {mode} | {pages} | {rate:.1f} | {rate / plain_rate:.2f} | {start:.2f} s |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--browser-pages", type=int, default=4, help="pages open at once in the one context")
    args = parser.parse_args()
    with serve_samples({SITE: 0}) as ports:
        urls = site_urls(f"http://127.0.0.1:{ports[SITE]}", args.pages)
        task.react(lambda _reactor: measure(urls, args.browser_pages).addCallback(report, args.browser_pages))


if __name__ == "__main__":
    install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
    main()
