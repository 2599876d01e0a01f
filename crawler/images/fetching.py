"""Fetch a listing's pictures as Scrapy requests: the site's politeness, robots rules and downloader middlewares.

The detail page's callback awaits them (``engine.download_async``): they go through the same
downloader slot as the site's pages (delay, concurrency), robots.txt, the offsite filter and
retries, with ``download_maxsize`` set to the image limit, and conditionally when its text is
cached (crawler/images/known.py). They are not pages: the site's page limit and page counts
leave them out (crawler/fetching/page_limit.py). A picture that does not come through
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
from crawler.fetching.page_limit import PICTURE, PICTURE_RESPONSES
from crawler.fetching.revisit import validators
from crawler.images.known import KnownPicture, known_pictures
from crawler.images.options import ImageOptions
from crawler.runs.faults import reason_of

IMAGE_PRIORITY = -10  # pages before pictures when both wait for the same slot


@dataclass(frozen=True)
class FetchedImage:
    """One picture of a listing: its bytes as fetched (kept as evidence if it yields a finding), or why not.

    ``unchanged``: the site answered 304 Not Modified to a conditional request, so the URL still
    gives the bytes of that SHA-256, whose text is cached; no body came. ``not_modified`` is that
    304 as received: kept as a revisit record if a finding quotes the picture (crawler/evidence/revisits.py).
    """

    url: str  # as the page gave it
    capture: Capture | None  # None when it did not come through (or did not change)
    fault: str = ""
    unchanged: str = ""
    validators: tuple[str, str] = ("", "")  # ETag, Last-Modified: for tomorrow's conditional request
    not_modified: Capture | None = None

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.capture.body).hexdigest() if self.capture is not None else self.unchanged


def picture_request(url: str, referer: str, options: ImageOptions, known: KnownPicture | None = None) -> scrapy.Request:
    """A picture's request: the image size limit, after the pages, conditional when its text is cached."""
    return scrapy.Request(
        url,
        headers={
            **({"Referer": referer} if referer else {}),
            "Accept": "image/avif,image/webp,image/png,image/jpeg,image/*;q=0.8",
            **(known.headers() if known is not None else {}),
        },
        meta={"download_maxsize": options.max_bytes, "download_warnsize": 0, PICTURE: True},
        priority=IMAGE_PRIORITY,
        dont_filter=True,
    )


async def fetch_one(
    crawler: Crawler, url: str, referer: str, options: ImageOptions, known: KnownPicture | None = None
) -> FetchedImage:
    request = picture_request(url, referer, options, known)
    assert crawler.engine is not None
    try:
        response = await crawler.engine.download_async(request)
    except Exception as exc:  # any failure of one picture is that picture's fault
        reason = reason_of(Failure(exc))
        if "larger than" in reason:  # the page limit's wording would send the operator to the wrong setting
            reason = f"larger than images.max_mb ({options.max_mb:g} MB)"
        return FetchedImage(url, None, f"image not fetched: {reason.removeprefix('not fetched: ')}")
    if crawler.stats is not None:
        crawler.stats.inc_value(PICTURE_RESPONSES)  # not a page: crawler/runs/run_record.py leaves it out
    if response.status == 304 and known is not None:
        if crawler.stats is not None:
            crawler.stats.inc_value("tutorwatch/images/not_modified")
        answer = capture(response)
        return FetchedImage(
            url, None, unchanged=known.sha256, validators=_either(validators(answer), known), not_modified=answer
        )
    if response.status != 200:
        return FetchedImage(url, None, f"image not fetched: HTTP {response.status}")
    page = capture(response)
    return FetchedImage(url, page, validators=validators(page))


def _either(sent: tuple[str, str], known: KnownPicture) -> tuple[str, str]:
    """A 304's own validators where it sent them, else those it was asked with."""
    return sent[0] or known.etag, sent[1] or known.last_modified


async def fetch_images(
    crawler: Crawler, urls: list[str], referer: str, options: ImageOptions
) -> tuple[FetchedImage, ...]:
    """Every picture of one listing, fetched together (the downloader slot keeps the site's pace)."""
    known = known_pictures(crawler)
    return tuple(await asyncio.gather(*(fetch_one(crawler, url, referer, options, known.get(url)) for url in urls)))
