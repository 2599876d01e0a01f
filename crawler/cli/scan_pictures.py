"""``scan``'s pictures: image URLs fetched in one crawl before the lines are judged, and the store's OCR cache.

JSON Lines input is read twice: a first pass collects the distinct image URLs (stdin is spooled to
a temporary file for it), one Scrapy crawl fetches them (crawler/spiders/picture_spider.py: the
crawl's limits, address guard and robots rules; one per CLI call, the reactor cannot restart),
then the lines are judged as usual with each URL's bytes read from the temporary folder. A picture
whose bytes the store has read before (same SHA-256, same OCR stamp) is not read again, and what
is read is remembered there, as a crawl does.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import click

from crawler.analysis.scan_input import raw_lines
from crawler.errors import TutorWatchError
from crawler.images.files import SavedPicture, image_file, is_url
from crawler.images.reading import ImageRead, NotModified, Picture
from crawler.images.stage import NOT_CACHED
from crawler.leads.image_cache import ImageCache
from crawler.leads.store import LeadStore, now
from detectors.ocr import ImageText

MAX_URLS = 1000  # distinct image URLs fetched by one scan (each up to 10 MB on disk until it ends)
TOO_MANY = f"image not fetched: more than {MAX_URLS} image URLs in one scan; split the input"


def image_urls(stream: BinaryIO, name: str) -> list[str]:
    """The distinct http(s) image URLs of JSON Lines input, in order (a line that is not JSON is skipped here
    and answered with its error when the lines are judged)."""
    urls: dict[str, None] = {}
    for _, raw in raw_lines(stream, name):
        if raw is None or b"http" not in raw:
            continue
        try:
            obj = json.loads(raw.decode("utf-8-sig"))
        except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
            continue
        images = obj.get("images") if isinstance(obj, dict) else None
        if isinstance(images, list):
            urls.update((image, None) for image in images if isinstance(image, str) and is_url(image))
    return list(urls)


@contextmanager
def seekable(stream: BinaryIO) -> Iterator[BinaryIO]:
    """The stream itself when it can be read twice, else (stdin) a temporary copy of it."""
    if stream.seekable():
        yield stream
        return
    with tempfile.TemporaryFile() as copy:
        shutil.copyfileobj(stream, copy, 1024 * 1024)
        copy.seek(0)
        yield copy


class ScanPictures:
    """What ``scan`` has of each picture a line names: bytes to read, the store's cached text, or a fault."""

    def __init__(self, db: Path, fetched: dict[str, SavedPicture] | None = None) -> None:
        self.db = db
        self.fetched = fetched or {}
        self.store: LeadStore | None = None
        self.cache: ImageCache | None = None
        self.opened = False

    def _cache(self) -> ImageCache | None:
        """The store's OCR cache, opened with the first picture (a scan without pictures never touches it);
        None when the store cannot be opened (read-only, newer schema): the pictures are read all the same."""
        if not self.opened:
            self.opened = True
            try:
                self.store = LeadStore(self.db)
            except TutorWatchError as exc:
                click.echo(f"tutorwatch: warning: no OCR cache: {exc}", err=True)
                return None
            self.cache = ImageCache(self.store.conn)
        return self.cache

    def cached(self, sha256: str) -> ImageText | None:
        cache = self._cache()
        try:
            return cache.texts([sha256]).get(sha256) if cache is not None else None
        except sqlite3.Error:  # busy or damaged: read the picture instead
            return None

    def picture(self, name: str) -> Picture:
        if is_url(name):
            saved = self.fetched.get(name)
            if saved is None:  # not named in the first pass: cannot happen, but never a crash
                return "image not fetched"
            if saved.path is None:  # a 304 keeps the cached text; anything else is the fetch's fault
                if not saved.unchanged:
                    return saved.fault
                text = self.cached(saved.unchanged)
                return NotModified(text) if text is not None else NOT_CACHED
            data = image_file(str(saved.path))
        else:
            data = image_file(name)
        if isinstance(data, bytes):
            return self.cached(hashlib.sha256(data).hexdigest()) or data
        return data

    def remember(self, reads: Iterable[ImageRead]) -> None:
        """The pictures read (and the URLs' validators) into the store; a lost row costs one read next time."""
        reads = [read for read in reads if read.text is not None]
        if not reads or self._cache() is None:
            return
        validators = {url: saved.validators for url, saved in self.fetched.items()}
        with contextlib.suppress(sqlite3.Error):
            assert self.cache is not None
            self.cache.remember(reads, now(), validators)

    def close(self) -> None:
        if self.store is not None:
            self.store.close()


def fetch_pictures(
    urls: list[str], folder: Path, db: Path, log_file: Path | None, contact: str, known_hosts: frozenset[str]
) -> dict[str, SavedPicture]:
    """Fetch every URL (the first MAX_URLS) in one Scrapy crawl into ``folder``: URL → SavedPicture."""
    from scrapy.crawler import CrawlerProcess

    from crawler.config.settings import base_settings
    from crawler.spiders.picture_spider import PictureSpider

    settings = {
        **base_settings(log_file, contact),
        "TUTORWATCH_DB": str(db),  # pictures whose text is cached are asked for conditionally
    }
    results: dict[str, SavedPicture] = {}
    process = CrawlerProcess(settings)
    process.crawl(PictureSpider, urls=urls[:MAX_URLS], folder=folder, results=results, known_hosts=known_hosts)
    process.start()
    ended = "image not fetched: the crawl ended before it (see the scan log)"
    return {
        url: results.get(url) or SavedPicture(None, ended if n < MAX_URLS else TOO_MANY) for n, url in enumerate(urls)
    }
