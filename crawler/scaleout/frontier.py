"""The shared state in Redis: scrapy-redis's frontier and duplicate filter, the listings, the crawl's state.

Keys (all under ``tutorwatch:``): ``<site>:requests`` (scrapy-redis priority queue) and
``<site>:dupefilter`` (request fingerprints) per site; ``items`` (listings as JSON, oldest
first); ``crawl`` (the run id and ``running`` / ``done``); ``workers`` (one JSON status per
worker process and site); ``writer`` (held by the one writer while it runs).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import redis
from scrapy import Spider
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue

from crawler.errors import FetchError, TutorWatchError
from crawler.scaleout import codec

PREFIX = "tutorwatch:"
QUEUE_KEY = PREFIX + "%(spider)s:requests"
DUPEFILTER_KEY = PREFIX + "%(spider)s:dupefilter"
ITEMS_KEY = PREFIX + "items"
CRAWL_KEY = PREFIX + "crawl"
WORKERS_KEY = PREFIX + "workers"
WRITER_KEY = PREFIX + "writer"
LIVE_SECONDS = 15  # a worker whose status is older than this is taken for dead


def scrapy_redis_settings(url: str) -> dict[str, Any]:
    """Scrapy settings that put a crawler's scheduler queue and duplicate filter in Redis, as JSON."""
    return {
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        "SCHEDULER_QUEUE_KEY": QUEUE_KEY,
        "SCHEDULER_DUPEFILTER_KEY": DUPEFILTER_KEY,
        "SCHEDULER_SERIALIZER": "crawler.scaleout.codec",
        "SCHEDULER_PERSIST": True,  # a worker that finishes first must not wipe the frontier of the others
        "REDIS_URL": url,
    }


def connect(url: str) -> redis.Redis:
    """A checked connection; a bad URL or an unreachable server is one line for the user."""
    try:
        server = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10)
        server.ping()
    except ValueError as exc:
        raise TutorWatchError(f"{url}: not a Redis URL ({exc}); use redis://HOST:PORT/DB") from None
    except redis.RedisError as exc:
        raise FetchError(f"{url}: cannot reach Redis ({exc})") from None
    return server


@dataclass(frozen=True)
class WorkerStatus:
    """What one worker process says about one site, every second."""

    worker: str  # host:pid
    site: str
    run: int | None  # the run it works for (None: no crawl seen yet)
    busy: bool
    pages: int
    listings: int
    errors: int
    reason: str  # finish reason once its spider closed, else ''
    seen: float  # time.time() of this status
    images: dict[str, int] = field(default_factory=dict)  # pictures read, cached, unchanged, skipped, failed

    @property
    def live(self) -> bool:
        return not self.reason and time.time() - self.seen < LIVE_SECONDS


async def _collect(requests: AsyncIterator[Any]) -> list[Any]:
    return [request async for request in requests]


class Frontier:
    """The writer's and the workers' view of the keys above."""

    def __init__(self, server: redis.Redis) -> None:
        self.server = server

    def clear(self, sites: list[str]) -> None:
        """Forget these sites' frontier and duplicate filter (a province's fingerprints take real memory)."""
        for site in sites:
            self.server.delete(QUEUE_KEY % {"spider": site}, DUPEFILTER_KEY % {"spider": site})

    def begin(self, run_id: int, spiders: list[Spider]) -> None:
        """A fresh frontier for these sites, their start requests in it, then the crawl marked running."""
        self.clear([spider.name for spider in spiders])
        self.server.delete(ITEMS_KEY, WORKERS_KEY)
        for spider in spiders:
            queue = PriorityQueue(self.server, spider, QUEUE_KEY, serializer=codec)
            seen = RFPDupeFilter(self.server, DUPEFILTER_KEY % {"spider": spider.name})
            for request in asyncio.run(_collect(spider.start())):
                if not seen.request_seen(request):
                    queue.push(request)
        self.server.hset(CRAWL_KEY, mapping={"run": run_id, "state": "running"})

    def end(self, run_id: int) -> None:
        self.server.hset(CRAWL_KEY, mapping={"run": run_id, "state": "done"})

    def crawl(self) -> tuple[int | None, str]:
        """(run id, 'running' | 'done'), or (None, '') before any crawl."""
        state = self.server.hgetall(CRAWL_KEY)
        run = state.get(b"run")
        return (int(run) if run else None), state.get(b"state", b"").decode()

    def pending(self, sites: list[str]) -> int:
        """Requests still queued for these sites."""
        return sum(self.server.zcard(QUEUE_KEY % {"spider": site}) for site in sites)

    def report(self, status: WorkerStatus) -> None:
        self.server.hset(WORKERS_KEY, f"{status.worker}/{status.site}", json.dumps(status.__dict__))

    def workers(self, run_id: int) -> list[WorkerStatus]:
        statuses = [WorkerStatus(**json.loads(v)) for v in self.server.hvals(WORKERS_KEY)]
        return [s for s in statuses if s.run == run_id]

    def hold_writer(self, token: str, seconds: int = 60) -> bool:
        """Take (or renew) the writer's lease; False when another writer holds it."""
        if self.server.set(WRITER_KEY, token, nx=True, ex=seconds):
            return True
        if self.server.get(WRITER_KEY) == token.encode():
            self.server.expire(WRITER_KEY, seconds)
            return True
        return False

    def release_writer(self) -> None:
        self.server.delete(WRITER_KEY)

    def pop_items(self, count: int = 200) -> list[bytes]:
        return self.server.lpop(ITEMS_KEY, count) or []

    def push_item(self, data: bytes) -> None:
        self.server.rpush(ITEMS_KEY, data)
