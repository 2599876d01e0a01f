"""Run the analysis engine on each listing, in worker processes, with the engine the crawl's settings configure.

Detection is the heaviest CPU work of a crawl. In worker processes (TUTORWATCH_DETECT_WORKERS,
default 2) it leaves the crawl process's core to Scrapy's engine — scheduling, downloads,
extraction, the store — and a huge page occupies one worker while the other goes on with the
other sites' pages. 0 runs it in the crawl process (``check``: a few URLs, and the engine the
CLI has already loaded). Every crawler of the process shares one pool.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures.process import BrokenProcessPool
from typing import ClassVar

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.analysis.pool import EnginePool, analyze_batch
from crawler.config.settings import ENGINE_SETTING
from crawler.extraction.listing import Item, KnownPage
from detectors.engine import Engine, EngineConfig

WORKERS_SETTING = "TUTORWATCH_DETECT_WORKERS"
DEFAULT_WORKERS = 2
log = logging.getLogger(__name__)


class SharedPool:
    """One pool of engine workers per crawl process and engine config, whatever the number of sites."""

    _open: ClassVar[dict[tuple[EngineConfig, int], SharedPool]] = {}

    def __init__(self, config: EngineConfig, workers: int) -> None:
        self.pool = EnginePool(config, workers)
        self.users = 0

    @classmethod
    def acquire(cls, config: EngineConfig, workers: int) -> SharedPool:
        shared = cls._open.setdefault((config, workers), cls(config, workers))
        shared.users += 1
        return shared

    def release(self) -> None:
        self.users -= 1
        if not self.users:
            del self._open[(self.pool.config, self.pool.workers)]
            self.pool.close()

    def renew(self) -> None:
        """A worker died (killed for memory, say): the next pages go to a fresh pool."""
        self.pool.close()
        self.pool = EnginePool(self.pool.config, self.pool.workers)


class DetectPipeline:
    def __init__(self, config: EngineConfig, workers: int = DEFAULT_WORKERS) -> None:
        self.config = config
        self.workers = workers
        self.shared: SharedPool | None = None
        self.engine = Engine.shared(config) if workers <= 0 else None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DetectPipeline:
        config = crawler.settings.get(ENGINE_SETTING) or EngineConfig()
        return cls(config, crawler.settings.getint(WORKERS_SETTING, DEFAULT_WORKERS))

    def open_spider(self, spider: Spider | None = None) -> None:
        if self.engine is None:
            self.shared = SharedPool.acquire(self.config, self.workers)

    def close_spider(self, spider: Spider | None = None) -> None:
        if self.shared is not None:
            self.shared.release()
            self.shared = None

    async def process_item(self, item: Item, spider: Spider | None = None) -> Item:
        if isinstance(item, KnownPage):
            return item
        document = item.listing.document()
        if self.engine is not None:
            item.analysis = self.engine.analyze(document)
            return item
        assert self.shared is not None
        pool = self.shared.pool
        try:
            [item.analysis] = await asyncio.wrap_future(pool.submit(analyze_batch, [document]))
        except BrokenProcessPool:
            log.error("a detection worker died on %s", item.listing.fetched_url)
            if self.shared.pool is pool:  # the first page to hear of it starts fresh workers
                self.shared.renew()
            raise DropItem(f"{item.listing.fetched_url}: the detection worker died on this page") from None
        return item
