"""The one generic spider: list pages → detail pages → listings, all driven by a SiteConfig."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.config.site_config import SiteConfig
from crawler.evidence.warc import capture
from crawler.extraction.extract import ExtractionError, extract_listing, list_links, readable
from crawler.extraction.listing import CrawledListing, Item, KnownPage
from crawler.fetching.canonical import canonical_url
from crawler.fetching.rendering import BROWSER_SETTINGS, render_meta
from crawler.fetching.revisit import Action, KnownPages, Revisit
from crawler.images.crawling import listing_images
from crawler.runs.faults import MAX_PER_SITE, reason_of


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
                    "AUTOTHROTTLE_TARGET_CONCURRENCY": polite.concurrency,
                    "AUTOTHROTTLE_START_DELAY": polite.download_delay,
                    "CLOSESPIDER_PAGECOUNT": polite.max_pages,
                    "DOWNLOAD_TIMEOUT": polite.download_timeout,
                    "DOWNLOAD_MAXSIZE": int(polite.max_page_mb * 1024 * 1024),
                    "DOWNLOAD_WARNSIZE": 0,
                    **browser,
                },
            },
        )

    known: KnownPages
    faults: list[tuple[str, str]]  # (url, reason) of pages that did not come through, read by RunRecorder

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SiteSpider:
        """The spider with what a crawl needs: the store's known pages, the fault list, redirect watchers."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        resume_since = settings.get("TUTORWATCH_RESUME_SINCE", "")
        db = settings.get("TUTORWATCH_DB")  # none in a scale-out worker: it never sees the store
        spider.known = KnownPages(Path(db) if db else None, cls.site.politeness.revisit_hours, resume_since)
        spider.faults = []
        crawler.signals.connect(spider.scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(spider.dropped, signal=signals.request_dropped)
        return spider

    async def start(self) -> AsyncIterator[Any]:
        for url in self.site.start_urls:
            yield self.list_request(url)

    def list_request(self, url: str, depth: int = 0) -> scrapy.Request:
        meta = {**self.meta("lists"), "list_depth": depth}
        return scrapy.Request(url, callback=self.parse_list, errback=self.failed, meta=meta)

    def meta(self, page: Literal["lists", "details"]) -> dict[str, Any]:
        """Browser meta for the pages this site renders; detail pages get a screenshot as evidence."""
        return render_meta(screenshot=page == "details") if self.site.renders(page) else {}

    def closed(self, reason: str) -> None:
        if hasattr(self, "known"):
            self.known.close()

    def parse_list(self, response: Response) -> Iterator[scrapy.Request | KnownPage]:
        page = readable(response)
        if isinstance(page, str):
            self.fault(response.url, f"list page {page}")
            return
        try:
            details, more = list_links(page, self.site)
        except ExtractionError as exc:
            self.fault(response.url, str(exc))
            return
        for url in details:
            yield self.detail_request(url)
        depth = response.meta.get("list_depth", 0) + 1
        if more and depth > self.site.politeness.max_list_depth:
            self.fault(response.url, f"list pages go deeper than max_list_depth ({depth - 1}): a pagination trap?")
            return
        for url in more:
            yield self.list_request(url, depth)

    def detail_request(self, url: str) -> scrapy.Request | KnownPage:
        """A request for a detail page, conditional when the site gave validators; none when fetched recently."""
        revisit = self.known.decide(url)
        stats = self.crawler.stats
        if revisit.action is not Action.FETCH:
            if stats is not None:
                stats.inc_value(f"tutorwatch/detail/{revisit.action.value}")
            return KnownPage(url, self.site.site_id, recorded=revisit.action is Action.RECORDED)
        if self.site.renders("details"):  # a browser asks for the page as it likes: no conditional request
            revisit = Revisit(Action.FETCH)
        meta = {**self.meta("details"), **({"handle_httpstatus_list": [304]} if revisit.headers else {})}
        return scrapy.Request(url, self.parse_detail, headers=revisit.headers, meta=meta, errback=self.failed)

    async def parse_detail(self, response: Response) -> AsyncIterator[Item]:
        if response.status == 304:
            if self.crawler.stats is not None:
                self.crawler.stats.inc_value("tutorwatch/detail/not_modified")
            yield KnownPage(canonical_url(response.url, self.site.canonical), self.site.site_id, fetched=True)
            return
        page = readable(response)
        if isinstance(page, str):
            self.fault(response.url, f"detail page {page}")
            return
        if page is not response:
            self.fault(response.url, f"declared charset {response.encoding} is wrong: read as {page.encoding}")
        listing = extract_listing(page, self.site)
        yield CrawledListing(listing, capture(page), images=await listing_images(self, page, self.site))

    def failed(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        self.fault(request.url if request is not None else "?", reason_of(failure))

    def scheduled(self, request: scrapy.Request, spider: scrapy.Spider) -> None:
        """A redirect off the site: Scrapy's offsite filter drops it silently, so note it here."""
        chain = request.meta.get("redirect_urls")
        if spider is self and chain and urlsplit(request.url).hostname not in self.allowed_domains:
            self.fault(chain[0], f"redirected off the site to {request.url}: not followed")

    def dropped(self, request: scrapy.Request, spider: scrapy.Spider) -> None:
        """A redirect the duplicate filter refused: back to a page already asked for, a loop."""
        chain = request.meta.get("redirect_urls")
        if spider is self and chain:  # a page merely linked twice is not a fault
            self.fault(chain[0], f"redirect loop: back to {request.url}, already asked for")

    def fault(self, url: str, reason: str) -> None:
        """Note a page that did not come through, for the morning report; the crawl goes on."""
        self.logger.warning("fault: %s: %s", url, reason)
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("tutorwatch/faults")
        if len(self.faults) < MAX_PER_SITE:
            self.faults.append((url, reason))
