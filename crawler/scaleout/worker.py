"""A worker: the same site spiders, taking requests from the shared frontier and handing listings to Redis.

Each worker process runs one Scrapy crawler per site. It never seeds (the writer does) and never
opens the database. Every second it reports per site whether it is busy and its counts; when
idle it keeps waiting for work until the writer marks the crawl it worked for ``done``, or until
nothing arrived for ``--idle-timeout`` seconds since its last page (our own clock: scrapy-redis's
MAX_IDLE_TIME_BEFORE_CLOSE counts from the moment the module was imported).
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.exceptions import CloseSpider, DontCloseSpider
from twisted.internet.task import LoopingCall

from crawler.config.settings import COLLECTOR, ENGINE_SETTING, PAGE_LIMIT, base_settings
from crawler.config.site_config import SiteConfig
from crawler.images.stage import image_counts
from crawler.runs.run_record import site_counts
from crawler.scaleout.frontier import Frontier, WorkerStatus, connect, scrapy_redis_settings
from detectors.engine import EngineConfig

REPORT_SECONDS = 1.0


class WriterSeeds:
    """Spider middleware: a worker drops its spiders' start requests; the writer seeded them into Redis."""

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        return
        yield


class WorkerLink:
    """Scrapy extension: the worker's status in Redis, and when its spider may close."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.frontier = Frontier(connect(crawler.settings["REDIS_URL"]))
        self.worker = f"{socket.gethostname()}:{os.getpid()}"
        self.idle_timeout = crawler.settings.getfloat("TUTORWATCH_IDLE_TIMEOUT")
        self.last_page = time.monotonic()
        self.run: int | None = None
        self.reporting = LoopingCall(self.report)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WorkerLink:
        link = cls(crawler)
        crawler.signals.connect(link.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(link.response_received, signal=signals.response_received)
        crawler.signals.connect(link.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(link.spider_closed, signal=signals.spider_closed)
        return link

    def spider_opened(self, spider: Spider) -> None:
        self.reporting.start(REPORT_SECONDS)

    def response_received(self) -> None:
        self.last_page = time.monotonic()

    def follow_crawl(self) -> str:
        """The writer's crawl state; remembers the run this worker works for once it is running."""
        run, state = self.frontier.crawl()
        if state == "running":
            self.run = run
        return state if run == self.run else ""

    def report(self, reason: str = "") -> None:
        self.follow_crawl()
        engine = self.crawler.engine
        busy = not reason and engine is not None and engine.spider is not None and not engine.spider_is_idle()
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        counts = site_counts(stats)
        name = self.crawler.spider.name if self.crawler.spider else "?"
        pages, listings, errors = counts["pages"], counts["listings"], counts["errors"]
        status = WorkerStatus(
            self.worker, name, self.run, busy, pages, listings, errors, reason, time.time(), image_counts(stats)
        )
        self.frontier.report(status)

    def spider_idle(self, spider: Spider) -> None:
        if self.follow_crawl() == "done":
            return  # the writer saw every queue empty and every worker idle: let the spider close
        if time.monotonic() - self.last_page > self.idle_timeout:
            raise CloseSpider("idle timeout")
        raise DontCloseSpider

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.reporting.running:
            self.reporting.stop()
        self.report(reason)


def worker_settings(
    redis_url: str, log_file: Path | None, idle_timeout: float, engine: EngineConfig, contact: str = ""
) -> dict[str, Any]:
    return {
        **base_settings(log_file, contact),
        ENGINE_SETTING: engine,
        **scrapy_redis_settings(redis_url),
        "ITEM_PIPELINES": {
            "crawler.pipelines.validate.ValidatePipeline": 100,
            "crawler.pipelines.detect.DetectPipeline": 200,
            "crawler.pipelines.to_redis.ToRedisPipeline": 300,
        },
        "EXTENSIONS": {
            "crawler.scaleout.worker.WorkerLink": 500,
            **PAGE_LIMIT,
            **COLLECTOR,
        },
        "SPIDER_MIDDLEWARES": {"crawler.scaleout.worker.WriterSeeds": 0},
        "TUTORWATCH_IDLE_TIMEOUT": idle_timeout,
    }


def run_worker(
    sites: list[SiteConfig],
    redis_url: str,
    log_file: Path | None,
    idle_timeout: float,
    engine: EngineConfig,
    contact: str = "",
) -> list[dict]:
    """Work on the shared frontier until the crawl is done; one row per site (pages, listings, errors, finish)."""
    from crawler.spiders.site_spider import SiteSpider

    connect(redis_url)  # a bad URL or a dead server fails here, in one line
    process = CrawlerProcess(worker_settings(redis_url, log_file, idle_timeout, engine, contact))
    crawlers = [process.create_crawler(SiteSpider.for_site(site)) for site in sites]
    for crawler in crawlers:
        process.crawl(crawler)
    process.start()
    rows = []
    for site, crawler in zip(sites, crawlers, strict=True):
        stats = crawler.stats.get_stats() if crawler.stats else {}
        rows.append({"site": site.site_id, **site_counts(stats), "finish_reason": stats.get("finish_reason", "")})
    return rows
