"""The crawl process's part of image reading: cache look-ups before detection, cache writes and counts after.

The detect pipeline asks ``job`` for what to send to the engine (a Document, or an ImageJob
when the listing has pictures) and hands the answer to ``settle``. Nothing here reads an
image: OCR runs with the engine, in the detection workers (docs/images-ocr.md).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections import Counter
from typing import TYPE_CHECKING, Any

from crawler.extraction.listing import CrawledListing
from crawler.images.reading import ImageAnalysis, ImageJob, ImageRead, NotModified, Picture
from crawler.leads.image_cache import OUTCOMES, ImageCache
from crawler.leads.store import now
from detectors.models import Analysis, Document
from detectors.ocr import ImageText

if TYPE_CHECKING:
    from crawler.scaleout.image_cache import RedisImageCache

NOT_CACHED = "image not modified (304), but its text is no longer cached: fetched whole next night"


def image_counts(stats: dict[str, Any]) -> dict[str, int]:
    """A crawler's picture counts by outcome, from its stats (what ``note`` counted): a scale-out worker's status."""
    return {outcome: int(stats.get(f"tutorwatch/images/{outcome}", 0)) for outcome in OUTCOMES}


class ImageStage:
    def __init__(self, cache: ImageCache | RedisImageCache | None, crawler: Any = None) -> None:
        self.cache = cache  # the store's (or a scale-out worker's, in Redis); None: every picture is read
        self.crawler = crawler
        self.tonight: dict[str, ImageText] = {}  # read during this crawl, so a picture on two pages is read once
        self.counts: Counter[str] = Counter()

    def job(self, item: CrawledListing, document: Document) -> Document | ImageJob:
        if not item.images:
            return document
        hashes = [image.sha256 for image in item.images if image.sha256]
        known = {**(self.cache.texts(hashes) if self.cache is not None else {}), **self.tonight}
        pictures: list[tuple[str, Picture]] = []
        for image in item.images:
            if image.capture is not None:
                pictures.append((image.url, known.get(image.sha256) or image.capture.body))
            elif image.unchanged:  # 304: the bytes of last time, whose text the store holds
                text = known.get(image.unchanged)
                pictures.append((image.url, NotModified(text) if text is not None else NOT_CACHED))
            else:
                pictures.append((image.url, image.fault))
        return ImageJob(document, tuple(pictures))

    def settle(self, item: CrawledListing, result: Analysis | ImageAnalysis) -> Analysis:
        """The listing's analysis; its pictures counted, shared, and their faults noted for the morning report.

        Its picture rows reach the store with the listing (crawler/pipelines/store.py), from this
        process or from a scale-out worker through the writer.
        """
        if not isinstance(result, ImageAnalysis):
            return result
        item.image_reads = result.reads
        self.note(item.image_reads, {image.url: image.validators for image in item.images})
        return result.analysis

    def note(self, reads: tuple[ImageRead, ...], validators: dict[str, tuple[str, str]] | None = None) -> None:
        stats = getattr(self.crawler, "stats", None)
        spider = getattr(self.crawler, "spider", None)
        for read in reads:
            self.counts[read.outcome] += 1
            if stats is not None:
                stats.inc_value(f"tutorwatch/images/{read.outcome}")
            if read.outcome == "failed" and hasattr(spider, "fault"):
                reason = read.detail if not read.sha256 else f"image not readable: {read.detail}"
                spider.fault(read.source, reason)  # type: ignore[union-attr]
            if read.text is not None and read.outcome not in ("cached", "unchanged"):
                self.tonight[read.sha256] = read.text
        if self.cache is not None:
            with contextlib.suppress(sqlite3.Error):  # a cache row lost costs one read next night, never the listing
                self.cache.share(reads, now(), validators or {})

    def record(self, run_id: int, site: str) -> None:
        """The night's counts of this site's pictures, for the report."""
        if self.cache is not None and any(self.counts.values()):
            self.cache.record_counts(run_id, site, dict(self.counts))
