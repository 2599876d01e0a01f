"""The detect pipeline's link to image reading: the cache on the crawl's shared store (a scale-out worker's in
Redis), and OCR off the reactor.

With detection workers the pictures are read in the workers (crawler/analysis/pool.py runs
``analyze_work``). Without them (``check``: a few URLs) the OCR runs in a thread, so the
reactor thread never waits on it, and the engine then analyses the listing as usual.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from scrapy.crawler import Crawler

from crawler.images.reading import ImageAnalysis, ImageJob, read_pictures
from crawler.images.stage import ImageStage
from crawler.leads.image_cache import ImageCache
from crawler.pipelines.store import SharedStore
from detectors.engine import Engine
from detectors.models import Analysis, Document


async def analyze_here(engine: Engine, work: Document | ImageJob) -> Analysis | ImageAnalysis:
    if not isinstance(work, ImageJob):
        return engine.analyze(work)
    document, reads = await asyncio.to_thread(read_pictures, work)
    return ImageAnalysis(engine.analyze(document), reads)


class PicturesLink:
    """Opens the cache when the spider opens (on the crawl's one store connection), records counts at close."""

    def __init__(self, crawler: Crawler | None) -> None:
        settings = crawler.settings if crawler is not None else None
        db = settings.get("TUTORWATCH_DB") if settings is not None else None
        self.db = Path(db) if db else None
        self.run_id = settings.getint("TUTORWATCH_RUN_ID") if settings is not None else 0
        self.redis_url = settings.get("REDIS_URL") if settings is not None else None
        self.crawler = crawler
        self.stage = ImageStage(None, crawler)

    def open(self) -> None:
        if self.db is not None:
            self.stage = ImageStage(ImageCache(SharedStore.acquire(self.db).conn), self.crawler)
        elif self.redis_url:  # a scale-out worker: no store, the cache all workers share in Redis
            from crawler.scaleout.frontier import connect
            from crawler.scaleout.image_cache import RedisImageCache

            self.stage = ImageStage(RedisImageCache(connect(self.redis_url)), self.crawler)

    def close(self) -> None:
        if self.db is None or self.stage.cache is None:
            return
        spider = getattr(self.crawler, "spider", None)
        self.stage.record(self.run_id, getattr(spider, "name", "?"))
        SharedStore.release(self.db)
