"""``scan``'s image URLs: fetched once, before the lines are judged, as a crawl fetches a listing's pictures.

Each URL goes through ``fetch_images`` (crawler/images/fetching.py) like a crawled picture: the
image size limit, http(s) only, the address guard (a host on a loopback or private address only
when a site config names it or ``--trust-host`` does), robots.txt, retries, the default
politeness, and a conditional request when the store has its text. The bytes go to a temporary
folder, not memory; at most BATCH pictures are in flight.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import scrapy

from crawler.config.site_config import Politeness
from crawler.images.fetching import FetchedImage, fetch_images
from crawler.images.files import SavedPicture
from crawler.images.options import ImageOptions

BATCH = 16  # pictures fetched together: at most this many bodies (10 MB each) in memory at once
PICTURE_SETTINGS = {
    "DOWNLOAD_DELAY": Politeness().download_delay,
    "AUTOTHROTTLE_START_DELAY": Politeness().download_delay,
}


class PictureSpider(scrapy.Spider):
    """Results land in ``results``: URL → SavedPicture."""

    name = "pictures"
    custom_settings = PICTURE_SETTINGS

    def __init__(
        self,
        urls: list[str],
        folder: Path,
        results: dict[str, Any],
        known_hosts: frozenset[str] = frozenset(),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.urls = urls
        self.folder = folder
        self.results = results
        self.known_hosts = known_hosts  # trusted by crawler/fetching/addresses.py

    async def start(self) -> AsyncIterator[Any]:
        options = ImageOptions(enabled=True)
        for start in range(0, len(self.urls), BATCH):
            for image in await fetch_images(self.crawler, self.urls[start : start + BATCH], "", options):
                self.results[image.url] = self.saved(image)
        return
        yield  # an async generator that schedules no request: the pictures are fetched above

    def saved(self, image: FetchedImage) -> SavedPicture:
        if image.capture is None:
            return SavedPicture(None, image.fault, image.unchanged, image.validators)
        path = self.folder / f"{len(self.results)}.bin"
        path.write_bytes(image.capture.body)
        return SavedPicture(path, validators=image.validators)
