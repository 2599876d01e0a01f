"""The OCR cache of scale-out workers: the text of every picture read, by SHA-256, in Redis beside the frontier.

Workers have no store, so without this every worker read every picture it met, every night.
``tutorwatch:images:<stamp>`` is one Redis hash (SHA-256 → the text as the store keeps it,
crawler/leads/image_cache.py's JSON): a worker looks a listing's pictures up before sending
them to its detection workers and adds what they read (the first read wins), so a picture is
read once per Redis whichever worker meets it, on later nights too; a new OCR engine or setting
has a new stamp, so a new hash. Listing pictures and the night's counts stay with the worker.
"""

from __future__ import annotations

from collections.abc import Iterable

import redis

from crawler.images.reading import ImageRead
from crawler.leads.image_cache import from_json, ocr_stamp, to_json
from crawler.scaleout.frontier import PREFIX
from detectors.ocr import ImageText

IMAGES_KEY = PREFIX + "images:%(stamp)s"


class RedisImageCache:
    """ImageCache's look-ups and writes (crawler/images/stage.py uses either), on the shared Redis."""

    def __init__(self, server: redis.Redis, stamp: str | None = None) -> None:
        self.server = server
        self.key = IMAGES_KEY % {"stamp": stamp or ocr_stamp()}

    def texts(self, hashes: Iterable[str]) -> dict[str, ImageText]:
        wanted = sorted(set(hashes))
        if not wanted:
            return {}
        try:
            found = self.server.hmget(self.key, wanted)
        except redis.RedisError:  # the frontier's Redis is down: read the pictures, the crawl goes on
            return {}
        return {sha: from_json(sha, raw.decode()) for sha, raw in zip(wanted, found, strict=True) if raw is not None}

    def remember(self, reads: Iterable[ImageRead], at: str, validators: object = None) -> None:
        """Add what was read (HSETNX: a picture two workers read at once keeps the first text)."""
        fresh = {r.sha256: to_json(r.text) for r in reads if r.text is not None and r.outcome != "cached"}
        if not fresh:
            return
        try:
            for sha, text in fresh.items():  # a round trip per picture read: nothing beside its OCR
                self.server.hsetnx(self.key, sha, text)
        except redis.RedisError:  # a text lost costs one read later, never the listing
            return

    def remember_listing(self, url: str, reads: Iterable[ImageRead]) -> None:
        """Not kept: the writer's store has no picture rows from workers (docs/images-ocr.md)."""

    def record_counts(self, run_id: int, site: str, counts: dict[str, int]) -> None:
        """Not kept: a worker's counts are in its log's stats (tutorwatch/images/*)."""
