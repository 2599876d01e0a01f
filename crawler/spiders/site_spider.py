"""The one generic spider: list pages → detail pages → listings, all driven by a SiteConfig."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, Literal
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse

from crawler.evidence import capture
from crawler.extract import ExtractionError, extract_listing, list_links
from crawler.listing import CrawledListing
from crawler.rendering import BROWSER_SETTINGS, render_meta
from crawler.site_config import SiteConfig


class SiteSpider(scrapy.Spider):
    """Crawl one configured site. Use ``for_site`` so each site gets its own name and politeness."""

    site: SiteConfig

    @classmethod
    def for_site(cls, site: SiteConfig) -> type[SiteSpider]:
        """A spider class named after the site, with its politeness (and the browser, if it renders) as settings."""
        polite = site.politeness
        browser = BROWSER_SETTINGS if site.render else {}
        return type(
            f"SiteSpider_{site.site_id}",
            (cls,),
            {
                "name": site.site_id,
                "site": site,
                "allowed_domains": sorted({urlsplit(u).hostname or "" for u in site.start_urls}),
                "custom_settings": {
                    "ROBOTSTXT_OBEY": polite.obey_robots,
                    "DOWNLOAD_DELAY": polite.download_delay,
                    "CONCURRENT_REQUESTS_PER_DOMAIN": polite.concurrency,
                    "CLOSESPIDER_PAGECOUNT": polite.max_pages,
                    **browser,
                },
            },
        )

    async def start(self) -> AsyncIterator[Any]:
        for url in self.site.start_urls:
            yield self.list_request(url)

    def list_request(self, url: str) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_list, meta=self.meta("lists"))

    def meta(self, page: Literal["lists", "details"]) -> dict[str, Any]:
        """Browser meta for the pages this site renders; detail pages get a screenshot as evidence."""
        return render_meta(screenshot=page == "details") if self.site.renders(page) else {}

    def parse_list(self, response: Response) -> Iterator[scrapy.Request]:
        if not isinstance(response, TextResponse):
            self.logger.error("%s: list page is not text", response.url)
            return
        try:
            details, more = list_links(response, self.site)
        except ExtractionError as exc:
            self.logger.error("%s", exc)
            return
        for url in details:
            yield scrapy.Request(url, callback=self.parse_detail, meta=self.meta("details"))
        for url in more:
            yield self.list_request(url)

    def parse_detail(self, response: Response) -> Iterator[CrawledListing]:
        if not isinstance(response, TextResponse):
            self.logger.error("%s: detail page is not text", response.url)
            return
        yield CrawledListing(extract_listing(response, self.site), capture(response))
