"""``check URL``: fetch given pages now, extract with the matching site config or generically.

The URLs come from complaints, so they are hostile too: they and their redirects reach only
public addresses unless a site config names the host (crawler/fetching/addresses.py), and with
--render the browser loads only the asked URL's own site.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.config.site_config import Politeness, SiteConfig
from crawler.evidence.warc import capture
from crawler.extraction.extract import ExtractionError, extract_listing, generic_listing
from crawler.extraction.listing import CrawledListing
from crawler.fetching.rendering import browser_settings, render_meta
from crawler.images.crawling import listing_images
from crawler.images.options import ImageOptions

# One investigator's few URLs: the default per-site delay, not AutoThrottle's 5 s start delay
# (an unreachable host took 30 s to report: robots.txt and the page, each tried three times).
CHECK_SETTINGS = {
    "DOWNLOAD_DELAY": Politeness().download_delay,
    "AUTOTHROTTLE_START_DELAY": Politeness().download_delay,
    "TUTORWATCH_DETECT_WORKERS": 0,  # detect in this process, with the engine the CLI loaded: no workers to start
}


CHECK_IMAGES = ImageOptions(enabled=True)  # the investigator's one page: its pictures are always read


class CheckSpider(scrapy.Spider):
    """Results land in ``results``: the asked URL → CrawledListing, or the reason it failed."""

    name = "check"
    render = False
    custom_settings = CHECK_SETTINGS

    @classmethod
    def rendering(cls, urls: list[str]) -> type[CheckSpider]:
        """``check --render``: every URL rendered (the browser loads only their sites), a screenshot kept."""
        settings = {**CHECK_SETTINGS, **browser_settings(urls)}
        return type("RenderingCheckSpider", (cls,), {"render": True, "custom_settings": settings})

    def __init__(
        self,
        urls: list[str],
        sites: list[SiteConfig],
        results: dict[str, Any],
        trusted: tuple[str, ...] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.urls = urls
        self.by_domain = {domain: site for site in sites for domain in site.domains}
        # trusted by crawler/fetching/addresses.py: the configs' hosts and those the investigator named (--trust-host)
        self.known_hosts = frozenset(host for site in sites for host in site.hosts) | frozenset(trusted)
        self.results = results

    async def start(self) -> AsyncIterator[Any]:
        for url in self.urls:
            yield scrapy.Request(
                url,
                callback=self.parse,
                errback=self.failed,
                cb_kwargs={"asked": url},
                meta=render_meta(screenshot=True) if self.render else {},
                dont_filter=True,
            )

    async def parse(self, response: Response, asked: str) -> AsyncIterator[CrawledListing]:
        site = self.by_domain.get(urlsplit(response.url).netloc)
        try:
            if site is not None and isinstance(response, TextResponse):
                listing = extract_listing(response, site)
            else:
                listing = generic_listing(response)
        except ExtractionError as exc:
            self.results[asked] = str(exc)
            return
        pictures = (
            await listing_images(self, response, site, CHECK_IMAGES) if isinstance(response, TextResponse) else ()
        )
        item = CrawledListing(listing, capture(response), images=pictures)
        self.results[asked] = item
        yield item

    def failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        asked = request.cb_kwargs.get("asked", request.url)
        response = getattr(failure.value, "response", None)
        if response is not None:
            self.results[asked] = f"HTTP {response.status}"
        else:
            self.results[asked] = failure.getErrorMessage() or failure.type.__name__
