"""Fetch a listing's pictures as Scrapy requests: the site's politeness, robots rules and downloader middlewares.

The detail page's callback awaits them (``engine.download_async``): they go through the same
downloader slot as the site's pages (delay, concurrency), robots.txt, the offsite filter and
retries, with ``download_maxsize`` set to the image limit. A picture that does not come through
is a fault of that picture, with its reason; the listing goes on without it.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from functools import cached_property

import scrapy
from scrapy.crawler import Crawler
from twisted.python.failure import Failure

from crawler.evidence.warc import Capture, capture
from crawler.images.options import ImageOptions
from crawler.runs.faults import reason_of

IMAGE_PRIORITY = -10  # pages before pictures when both wait for the same slot


@dataclass(frozen=True)
class FetchedImage:
    """One picture of a listing: its bytes as fetched (kept as evidence if it yields a finding), or why not."""

    url: str  # as the page gave it
    capture: Capture | None  # None when it did not come through
    fault: str = ""

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.capture.body).hexdigest() if self.capture is not None else ""


async def fetch_one(crawler: Crawler, url: str, referer: str, options: ImageOptions) -> FetchedImage:
    request = scrapy.Request(
        url,
        headers={"Referer": referer, "Accept": "image/avif,image/webp,image/png,image/jpeg,image/*;q=0.8"},
        meta={"download_maxsize": options.max_bytes, "download_warnsize": 0},
        priority=IMAGE_PRIORITY,
        dont_filter=True,
    )
    assert crawler.engine is not None
    try:
        response = await crawler.engine.download_async(request)
    except Exception as exc:  # any failure of one picture is that picture's fault
        reason = reason_of(Failure(exc))
        if "larger than" in reason:  # the page limit's wording would send the operator to the wrong setting
            reason = f"larger than images.max_mb ({options.max_mb:g} MB)"
        return FetchedImage(url, None, f"image not fetched: {reason}")
    if response.status != 200:
        return FetchedImage(url, None, f"image not fetched: HTTP {response.status}")
    return FetchedImage(url, capture(response))


async def fetch_images(
    crawler: Crawler, urls: list[str], referer: str, options: ImageOptions
) -> tuple[FetchedImage, ...]:
    """Every picture of one listing, fetched together (the downloader slot keeps the site's pace)."""
    return tuple(await asyncio.gather(*(fetch_one(crawler, url, referer, options) for url in urls)))
