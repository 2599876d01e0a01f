"""The one generic spider: list pages → detail pages → listings, all driven by a SiteConfig."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse

from crawler.canonical import canonical_url
from crawler.evidence import capture
from crawler.extract import ExtractionError, extract_listing, list_links
from crawler.listing import CrawledListing, Item, KnownPage
from crawler.revisit import Action, KnownPages
from crawler.site_config import SiteConfig


class SiteSpider(scrapy.Spider):
    """Crawl one configured site. Use ``for_site`` so each site gets its own name and politeness."""

    site: SiteConfig

    @classmethod
    def for_site(cls, site: SiteConfig) -> type[SiteSpider]:
        """A spider class named after the site, with the site's politeness as its settings."""
        polite = site.politeness
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
                    "AUTOTHROTTLE_TARGET_CONCURRENCY": polite.concurrency,
                    "AUTOTHROTTLE_START_DELAY": polite.download_delay,
                    "CLOSESPIDER_PAGECOUNT": polite.max_pages,
                },
            },
        )

    known: KnownPages

    async def start(self) -> AsyncIterator[Any]:
        settings = self.crawler.settings
        resume_since = settings.get("TUTORWATCH_RESUME_SINCE", "")
        self.known = KnownPages(Path(settings["TUTORWATCH_DB"]), self.site.politeness.revisit_hours, resume_since)
        for url in self.site.start_urls:
            yield scrapy.Request(url, callback=self.parse_list)

    def closed(self, reason: str) -> None:
        if hasattr(self, "known"):
            self.known.close()

    def parse_list(self, response: Response) -> Iterator[scrapy.Request | KnownPage]:
        if not isinstance(response, TextResponse):
            self.logger.error("%s: list page is not text", response.url)
            return
        try:
            details, more = list_links(response, self.site)
        except ExtractionError as exc:
            self.logger.error("%s", exc)
            return
        for url in details:
            yield self.detail_request(url)
        for url in more:
            yield scrapy.Request(url, callback=self.parse_list)

    def detail_request(self, url: str) -> scrapy.Request | KnownPage:
        """A request for a detail page, conditional when the site gave validators; none when fetched recently."""
        revisit = self.known.decide(url)
        stats = self.crawler.stats
        if revisit.action is not Action.FETCH:
            if stats is not None:
                stats.inc_value(f"tutorwatch/detail/{revisit.action.value}")
            return KnownPage(url, self.site.site_id, recorded=revisit.action is Action.RECORDED)
        meta = {"handle_httpstatus_list": [304]} if revisit.headers else {}
        return scrapy.Request(url, callback=self.parse_detail, headers=revisit.headers, meta=meta)

    def parse_detail(self, response: Response) -> Iterator[Item]:
        if response.status == 304:
            if self.crawler.stats is not None:
                self.crawler.stats.inc_value("tutorwatch/detail/not_modified")
            yield KnownPage(canonical_url(response.url, self.site.canonical), self.site.site_id, fetched=True)
            return
        if not isinstance(response, TextResponse):
            self.logger.error("%s: detail page is not text", response.url)
            return
        yield CrawledListing(extract_listing(response, self.site), capture(response))
