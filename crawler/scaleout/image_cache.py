"""What scale-out workers share about pictures, in Redis beside the frontier: their text, their URLs' validators,
and which are kept as evidence.

Workers have no store. Three keys stand in for the store's look-ups, so a worker goes through the
same stage (crawler/images/stage.py) and the same conditional requests (crawler/images/known.py)
as the single-process crawl:

- ``tutorwatch:images:<stamp>``: SHA-256 → the text as the store keeps it (crawler/leads/image_cache.py's
  JSON). A worker looks a listing's pictures up before sending them to its detection workers and
  adds what they read (HSETNX: the first read wins), so a picture is read once per Redis whichever
  worker meets it, on later nights too; a new OCR engine or setting has a new stamp, so a new hash.
- ``tutorwatch:image-urls``: URL → the SHA-256, ETag and Last-Modified it came with last, so a
  worker asks for a picture whose text is cached with If-None-Match / If-Modified-Since.
- ``tutorwatch:pictures-kept``: the SHA-256 of every picture the writer has written into a WARC
  record, so a worker knows a 304 of it can be kept as a revisit record (else it downloads the
  picture a finding quotes, for the evidence).

The store's own rows (text, URL, listing pictures, evidence index, counts) come to the writer
with each listing and the workers' statuses (crawler/scaleout/codec.py, writer.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import redis

from crawler.images.known import KnownPicture
from crawler.images.reading import ImageRead
from crawler.leads.image_cache import from_json, ocr_stamp, to_json
from crawler.scaleout.frontier import PREFIX
from detectors.ocr import ImageText

IMAGES_KEY = PREFIX + "images:%(stamp)s"
URLS_KEY = PREFIX + "image-urls"
KEPT_KEY = PREFIX + "pictures-kept"


class RedisImageCache:
    """ImageCache's look-ups (crawler/images/stage.py uses either), on the shared Redis."""

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

    def share(self, reads: Iterable[ImageRead], at: str, validators: dict[str, tuple[str, str]]) -> None:
        """Add what was read (HSETNX: a picture two workers read at once keeps the first text), and each URL's
        bytes and validators for tomorrow's conditional request."""
        reads = list(reads)
        fresh = {
            r.sha256: to_json(r.text) for r in reads if r.text is not None and r.outcome not in ("cached", "unchanged")
        }
        urls = {
            r.source: json.dumps([r.sha256, *validators.get(r.source, ("", ""))])
            for r in reads
            if r.sha256 and r.source.startswith(("http://", "https://"))
        }
        try:
            for sha, text in fresh.items():  # a round trip per picture read: nothing beside its OCR
                self.server.hsetnx(self.key, sha, text)
            if urls:
                self.server.hset(URLS_KEY, mapping=urls)
        except redis.RedisError:  # a text lost costs one read later, never the listing
            return

    def kept(self, hashes: Iterable[str]) -> set[str]:
        """Which of these pictures the writer has kept in a WARC record (none when Redis is down: download)."""
        wanted = sorted(set(hashes))
        if not wanted:
            return set()
        try:
            found = self.server.smismember(KEPT_KEY, wanted)
        except redis.RedisError:
            return set()
        return {sha for sha, there in zip(wanted, found, strict=True) if there}


class RedisKnownPictures:
    """KnownPictures' look-up for a worker: the URL's last bytes and validators, when their text is cached."""

    def __init__(self, server: redis.Redis, stamp: str | None = None) -> None:
        self.server = server
        self.key = IMAGES_KEY % {"stamp": stamp or ocr_stamp()}

    def get(self, url: str) -> KnownPicture | None:
        try:
            raw = self.server.hget(URLS_KEY, url)
            if raw is None:
                return None
            sha256, etag, last_modified = (str(value) for value in json.loads(raw))
            if not (etag or last_modified) or not self.server.hexists(self.key, sha256):
                return None
        except (redis.RedisError, ValueError):  # Redis down or a value not ours: fetch it whole
            return None
        return KnownPicture(sha256, etag, last_modified)

    def close(self) -> None:
        """Nothing: the connection is the worker's."""


def mark_kept(server: redis.Redis, hashes: Iterable[str]) -> None:
    """The writer's note that these pictures' bytes are in a WARC record now."""
    wanted = sorted(set(hashes))
    if wanted:
        server.sadd(KEPT_KEY, *wanted)
