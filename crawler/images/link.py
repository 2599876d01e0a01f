"""The detect pipeline's link to image reading: the cache on the crawl's shared store (a scale-out worker's in
Redis), and OCR off the reactor.

With detection workers the pictures are read in the workers (crawler/analysis/pool.py runs
``analyze_work``). Without them (``check``: a few URLs) the OCR runs in a thread, so the
reactor thread never waits on it, and the engine then analyses the listing as usual.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import redis
from scrapy.crawler import Crawler

from crawler.extraction.listing import CrawledListing
from crawler.images.evidence import quoted
from crawler.images.fetching import FetchedImage, fetch_one
from crawler.images.options import ImageOptions
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

    async def fetch_for_evidence(self, item: CrawledListing) -> None:
        """Download whole a picture a finding quotes that answered 304 while no WARC record keeps its bytes, so
        the lead's evidence holds it: a revisit record needs an original to point at (crawler/evidence/revisits.py).

        Rare: a picture read on an earlier night without a finding (a clean page then, or other rules).
        """
        if item.analysis is None or not item.analysis.flagged:  # no lead, no evidence (a finding under the threshold)
            return
        if not item.images:  # most listings: no finding to read for a picture
            return
        wanted = quoted(item)
        missing = {image.url: image for image in item.images if image.capture is None and image.unchanged in wanted}
        if not missing or self.crawler is None or self.crawler.engine is None:
            return
        try:
            kept = self.stage.cache.kept(i.unchanged for i in missing.values()) if self.stage.cache else set()
        except (sqlite3.Error, redis.RedisError):
            kept = set()
        referer = item.capture.url if item.capture is not None else ""
        fetched: dict[str, FetchedImage] = {}
        for url, image in missing.items():
            if image.unchanged in kept:
                continue
            got = await fetch_one(self.crawler, url, referer, ImageOptions(enabled=True))
            if self.crawler.stats is not None:
                self.crawler.stats.inc_value("tutorwatch/images/fetched_for_evidence")
            if got.capture is not None and got.sha256 == image.unchanged:
                fetched[url] = FetchedImage(url, got.capture, validators=got.validators)
            elif hasattr(spider := getattr(self.crawler, "spider", None), "fault"):
                reason = got.fault or "its bytes changed since the 304 that confirmed them"
                spider.fault(url, f"picture quoted by a finding not kept as evidence: {reason}")  # type: ignore[union-attr]
        if fetched:
            item.images = tuple(fetched.get(image.url, image) for image in item.images)

    def close(self) -> None:
        if self.db is None or self.stage.cache is None:
            return
        spider = getattr(self.crawler, "spider", None)
        self.stage.record(self.run_id, getattr(spider, "name", "?"))
        SharedStore.release(self.db)
