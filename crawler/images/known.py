"""What the store knows of a picture's URL before fetching it: the bytes it gave last and their validators.

A picture whose text is cached (under today's OCR stamp) is asked for with If-None-Match /
If-Modified-Since, the way a page is (crawler/fetching/revisit.py); a 304 means the same bytes,
so the cached text stands and no body is downloaded. Without cached text there is nothing to
revalidate: the picture is fetched whole.
"""

from __future__ import annotations

import sqlite3
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.fetching.revisit import conditional_headers
from crawler.leads.image_cache import ocr_stamp
from crawler.leads.queries import open_readonly

if TYPE_CHECKING:
    from crawler.scaleout.image_cache import RedisKnownPictures


@dataclass(frozen=True)
class KnownPicture:
    sha256: str  # the bytes the URL gave last time, whose text is cached
    etag: str
    last_modified: str

    def headers(self) -> dict[str, str]:
        return conditional_headers(self.etag, self.last_modified)


class KnownPictures:
    """Read-only look-ups on the store (none when it does not exist yet)."""

    def __init__(self, db: Path | None, stamp: str | None = None) -> None:
        self.read = open_readonly(db) if db is not None else None
        self.stamp = stamp or ocr_stamp()

    def get(self, url: str) -> KnownPicture | None:
        if self.read is None:
            return None
        try:
            row = self.read.picture_state(url, self.stamp)
        except sqlite3.Error:  # a store from before the validators' migration, or busy: fetch it whole
            return None
        if row is None or not (row[1] or row[2]):
            return None
        return KnownPicture(*row)

    def close(self) -> None:
        if self.read is not None:
            self.read.close()
            self.read = None


_of_crawler: weakref.WeakKeyDictionary[Any, KnownPictures | RedisKnownPictures] = weakref.WeakKeyDictionary()


def known_pictures(crawler: Any) -> KnownPictures | RedisKnownPictures:
    """The crawler's look-ups, opened on first use and closed with its spider: on its store (TUTORWATCH_DB), or,
    for a scale-out worker (no store), on the Redis all workers share (REDIS_URL)."""
    known = _of_crawler.get(crawler)
    if known is None:
        from scrapy import signals

        settings = crawler.settings
        db = settings.get("TUTORWATCH_DB") if settings is not None else None
        redis_url = settings.get("REDIS_URL") if settings is not None else None
        if not db and redis_url:
            from crawler.scaleout.frontier import connect
            from crawler.scaleout.image_cache import RedisKnownPictures

            known = RedisKnownPictures(connect(redis_url))
        else:
            known = KnownPictures(Path(db) if db else None)
        _of_crawler[crawler] = known
        crawler.signals.connect(lambda: known.close(), signal=signals.spider_closed, weak=False)
    return known
