"""Where a fetched page is read: in the event loop when it is small, in the crawl's big-page worker when it is big.

Every site of a crawl shares one reactor thread. Reading a page of 10 MB (decoding, the lxml tree,
html-text over its fields) takes seconds of CPU there, and all that time the other sites' pages
wait and the store's commit timer cannot fire. A page over the site's ``politeness.worker_page_kb``
is therefore read by the same function in the crawl's big-page lane, a worker of its own beside the
detection workers, at a lower CPU priority (crawler/pipelines/detect.py), and the reactor only waits
for the answer: no detection batch of another site queues behind a big page. Small pages stay in the
event loop: handing a page to a worker (pickling it, a pipe, waking the pool's threads) costs more
than reading a page of a few dozen KB. One big page is read at a time, whatever the number of sites
and workers: in the event loop there was never more than one page's tree in memory, and a worker
reading a 9 MB list page holds 200 MB more while it does (its lxml tree; handed back after).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from scrapy.crawler import Crawler

from crawler.analysis.pool import Task, call
from crawler.config.site_config import SiteConfig
from crawler.extraction.page_reading import PageBytes, is_big
from crawler.pipelines.detect import SharedPool

T = TypeVar("T")
BIG_PAGES_AT_ONCE = asyncio.Semaphore(1)  # one crawl process, one reactor: shared by every site


class PageReader:
    """Runs a reading function of (PageBytes, SiteConfig) for one site's pages, here or in a worker."""

    def __init__(self, crawler: Crawler, site: SiteConfig) -> None:
        self.crawler = crawler
        self.site = site

    def in_worker(self, page: PageBytes) -> SharedPool | None:
        """The pool that reads ``page``: None (the event loop) for a small page or a crawl without workers."""
        return SharedPool.of(self.crawler) if is_big(page, self.site) else None

    async def read(self, reader: Callable[[PageBytes, SiteConfig], T], page: PageBytes) -> T:
        """``reader(page, site)``; raises WorkerDied when the worker reading it died (its memory, a kill)."""
        pool = self.in_worker(page)
        if pool is None:
            return reader(page, self.site)
        return await self.in_lane(pool, call, (reader, (page, self.site)))

    async def in_lane(self, pool: SharedPool, task: Task, job: Any) -> Any:
        """``task(engine, job)`` in the big-page lane, one big page at a time; raises WorkerDied."""
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("tutorwatch/pages_read_in_worker")
        async with BIG_PAGES_AT_ONCE:
            return await pool.run(task, job)
