"""Run the analysis engine on each listing, in worker processes, with the engine the crawl's settings configure.

Detection is the heaviest CPU work of a crawl. In worker processes (TUTORWATCH_DETECT_WORKERS,
default 2) it leaves the crawl process's core to Scrapy's engine — scheduling, downloads,
extraction, the store — and a huge page occupies one worker while the other goes on with the
other sites' pages. 0 runs it in the crawl process (``check``: a few URLs, and the engine the
CLI has already loaded). Every crawler of the process shares one pool.

Listings go to the workers in batches (up to BATCH, or what arrived within BATCH_SECONDS): a
task per page cost the crawl process more in pickling and in waking the pool's helper threads
(each contending for the GIL with the reactor) than the analysis saves, and the engine
analyses a batch twice as fast as its pages one by one.

Big pages go to a lane of their own: one more worker, forked like the others from the process that
built the engine (so it costs only what it reads), under SCHED_IDLE (it runs only on CPU nothing
else wants). It reads a big page (crawler/spiders/heavy_pages.py) and analyses a listing of more than
LONG_TEXT characters (a 10 MB page's 100,000 analysed characters take 0.3 s, as long as a whole batch
of 250 ordinary listings).
In the detection workers such a page held a worker while the other sites' batches queued behind it,
and on two cores its CPU was taken from the crawl process; in the lane no batch waits behind a big
page, and the big pages get the CPU the rest of the crawl leaves. The answers are the same: the
lane's engine is the workers'.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, ClassVar

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.analysis.long_listings import analyze_long, is_long
from crawler.analysis.page_jobs import LONG_TEXT, PageAnalysis, Work, analyze_jobs
from crawler.analysis.pool import EnginePool, Task, analyze_batch
from crawler.config.settings import ENGINE_SETTING
from crawler.extraction.listing import Item, KnownPage
from crawler.images.link import PicturesLink, analyze_here
from crawler.images.reading import ImageAnalysis
from detectors.engine import Engine, EngineConfig
from detectors.models import Analysis, Document

WORKERS_SETTING = "TUTORWATCH_DETECT_WORKERS"
DEFAULT_WORKERS = 2
PAGE_READING = ("crawler.analysis.page_jobs",)  # what the workers import to read pages: shared, from the forkserver
BATCH = 64  # listings sent to a worker in one task
BATCH_SECONDS = 0.05  # the longest a listing waits for others to join its batch
log = logging.getLogger(__name__)


class WorkerDied(Exception):
    """A detection worker process ended while analysing a batch (killed for its memory, say)."""


class SharedPool:
    """One pool of engine workers per crawl process and engine config, fed in batches, whatever the number of sites."""

    _open: ClassVar[dict[tuple[EngineConfig, int], SharedPool]] = {}

    def __init__(self, config: EngineConfig, workers: int) -> None:
        self.pool = EnginePool(config, workers, preload=PAGE_READING, pages=True)
        try:
            self.pool.warm()  # pages are not fetched faster than they can be analysed from the start
        except BaseException:  # a broken rule file or model: no workers left behind
            self.pool.close()
            raise
        self.lane: EnginePool | None = None  # started at the first big page
        self.users = 0
        self.waiting: list[tuple[Work, asyncio.Future]] = []
        self.timer: asyncio.TimerHandle | None = None

    @classmethod
    def acquire(cls, config: EngineConfig, workers: int) -> SharedPool:
        shared = cls._open.get((config, workers))
        if shared is None:
            shared = cls._open[(config, workers)] = cls(config, workers)
        shared.users += 1
        return shared

    def release(self) -> None:
        self.users -= 1
        if not self.users:
            self.flush()
            del self._open[(self.pool.config, self.pool.workers)]
            self.pool.close()
            if self.lane is not None:
                self.lane.close()

    async def analyze(self, document: Work) -> Analysis | ImageAnalysis | PageAnalysis:
        """The document's analysis, from a worker, once its batch is done (a long one alone, in the lane); a
        detail page's bytes (crawler/analysis/page_jobs.py) come back read, analysed and packed."""
        if isinstance(document, Document) and len(document.text) > LONG_TEXT:
            return (await self.run(analyze_batch, [document]))[0]
        loop = asyncio.get_running_loop()
        answer = loop.create_future()
        self.waiting.append((document, answer))
        if len(self.waiting) >= BATCH:
            self.flush()
        elif self.timer is None:
            self.timer = loop.call_later(BATCH_SECONDS, self.flush)
        return await answer

    def flush(self) -> None:
        """Send the waiting documents to a worker as one task."""
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        batch, self.waiting = self.waiting, []
        if not batch:
            return
        documents = [document for document, _ in batch]
        for _ in range(2):  # a pool that broke while no batch was in flight refuses at once: start a new one
            pool = self.pool
            try:
                future = pool.submit(analyze_jobs, documents)
            except BrokenProcessPool:
                self._restart(pool)
                continue
            done = asyncio.wrap_future(future)
            done.add_done_callback(lambda result, pool=pool: self._answer(batch, result, pool))  # type: ignore[misc]
            return
        error = WorkerDied("the detection workers could not be started again")
        for _, answer in batch:
            if not answer.done():
                answer.set_exception(error)

    @classmethod
    def of(cls, crawler: Crawler) -> SharedPool | None:
        """The pool this crawler's detect pipeline opened; None when it detects in the crawl process (or has none)."""
        config = crawler.settings.get(ENGINE_SETTING) or EngineConfig()
        return cls._open.get((config, crawler.settings.getint(WORKERS_SETTING, DEFAULT_WORKERS)))

    async def run(self, task: Task, job: Any) -> Any:
        """One task on its own, not batched, in the big-page lane: a big page read (crawler/spiders/heavy_pages.py)."""
        if self.lane is None:
            self.lane = EnginePool(self.pool.config, 1, idle=True, pages=True)
        lane = self.lane
        try:
            return await asyncio.wrap_future(lane.submit(task, job))
        except BrokenProcessPool:
            if self.lane is lane:  # the next big page starts a new one
                log.error("the big-page worker died")
                self.lane = None
                lane.abandon()
            raise WorkerDied("the worker reading this page died") from None

    def _restart(self, pool: EnginePool) -> None:
        """After a worker died: the first task to hear of it starts fresh workers."""
        if self.pool is pool:
            log.error("a detection worker died; starting new ones")
            self.pool.abandon()
            self.pool = EnginePool(pool.config, pool.workers, preload=PAGE_READING, pages=True)

    def _answer(self, batch: list[tuple[Work, asyncio.Future]], result: asyncio.Future, pool: EnginePool) -> None:
        cancelled = WorkerDied("the crawl ended before its batch was analysed")
        error = cancelled if result.cancelled() else result.exception()
        if isinstance(error, BrokenProcessPool):
            error = WorkerDied("a detection worker died on this batch")
            self._restart(pool)
        for number, (_, answer) in enumerate(batch):
            if answer.done():
                continue
            if error is not None:
                answer.set_exception(error)
            else:
                answer.set_result(result.result()[number])


@contextmanager
def detection_workers(config: EngineConfig, workers: int = DEFAULT_WORKERS) -> Iterator[None]:
    """The crawl's detection workers started, their engines built, before the crawl; its pipelines share them.

    The crawl process itself never analyses a page: building an engine there only to check the
    rules and model cost it seconds of CPU and its memory for the whole night. A broken rule file
    or model is the workers' ConfigError, raised here.
    """
    shared = SharedPool.acquire(config, workers)
    try:
        yield
    finally:
        shared.release()


class DetectPipeline:
    def __init__(self, config: EngineConfig, workers: int = DEFAULT_WORKERS, crawler: Crawler | None = None) -> None:
        self.config = config
        self.workers = workers
        self.shared: SharedPool | None = None
        self.engine = Engine.shared(config) if workers <= 0 else None
        self.crawler = crawler
        self.pictures = PicturesLink(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DetectPipeline:
        config = crawler.settings.get(ENGINE_SETTING) or EngineConfig()
        return cls(config, crawler.settings.getint(WORKERS_SETTING, DEFAULT_WORKERS), crawler)

    def open_spider(self, spider: Spider | None = None) -> None:
        if self.engine is None:
            self.shared = SharedPool.acquire(self.config, self.workers)
        self.pictures.open()

    def close_spider(self, spider: Spider | None = None) -> None:
        self.pictures.close()
        if self.shared is not None:
            self.shared.release()
            self.shared = None

    async def process_item(self, item: Item, spider: Spider | None = None) -> Item:
        if isinstance(item, KnownPage):
            return item
        if item.analysis is not None:  # analysed with its reading, in a worker (crawler/analysis/page_jobs.py)
            return item
        work = self.pictures.stage.job(item, item.listing.document())
        if self.engine is not None:
            item.analysis = self.pictures.stage.settle(item, await analyze_here(self.engine, work))
        else:
            assert self.shared is not None
            try:
                if is_long(work):  # in the lane, with the values the store writes (crawler/analysis/long_listings.py)
                    item.analysis, item.values = await self.shared.run(analyze_long, item.listing)
                else:
                    item.analysis = self.pictures.stage.settle(item, await self.shared.analyze(work))
            except WorkerDied as exc:
                raise DropItem(f"{item.listing.fetched_url}: {exc}") from None
        await self.pictures.fetch_for_evidence(item)
        return item
