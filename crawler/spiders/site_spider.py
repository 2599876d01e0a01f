"""The one generic spider: list pages → detail pages → listings, all driven by a SiteConfig.

A site controls what its pages hold, so the spider counts before it works: links taken from one
list page (``politeness.max_links_per_page``), requests waiting in the site's queue
(``max_queued``: further links wait for another night), links only over http(s), a rendered page's
HTML within ``max_page_mb`` (a plain page is cut off by Scrapy's DOWNLOAD_MAXSIZE while it
downloads). Each cut is a fault of the run, so the morning report says what was left out.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.config.site_config import SiteConfig
from crawler.evidence.warc import capture
from crawler.extraction.extract import ExtractionError, extract_listing, list_links, readable
from crawler.extraction.listing import CrawledListing, Item, KnownPage, cut_lengths
from crawler.fetching.addresses import SCHEMES
from crawler.fetching.canonical import canonical_url
from crawler.fetching.rendering import browser_settings, render_meta
from crawler.fetching.revisit import Action, KnownPages, Revisit
from crawler.runs.faults import MAX_PER_SITE, reason_of


class SiteSpider(scrapy.Spider):
    """Crawl one configured site. Use ``for_site`` so each site gets its own name and politeness."""

    site: SiteConfig

    @classmethod
    def for_site(cls, site: SiteConfig) -> type[SiteSpider]:
        """A spider class named after the site, with its politeness (and the browser, if it renders) as settings."""
        polite = site.politeness
        browser = browser_settings([*site.start_urls, *site.render_hosts]) if site.render else {}
        return type(
            f"SiteSpider_{site.site_id}",
            (cls,),
            {
                "name": site.site_id,
                "site": site,
                "allowed_domains": sorted(site.hosts),
                "known_hosts": frozenset(site.hosts),  # trusted by crawler/fetching/addresses.py
                "custom_settings": {
                    "COOKIES_ENABLED": site.cookies,
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
        page = self.usable(response, "list page")
        if page is None:
            return
        try:
            details, more = list_links(page, self.site, self.site.politeness.max_links_per_page)
        except ExtractionError as exc:
            self.fault(response.url, str(exc))
            return
        details, more = self.bounded(response.url, details, more)
        for url in details:
            yield self.detail_request(url)
        depth = response.meta.get("list_depth", 0) + 1
        if more and depth > self.site.politeness.max_list_depth:
            self.fault(response.url, f"list pages go deeper than max_list_depth ({depth - 1}): a pagination trap?")
            return
        for url in more:
            yield self.list_request(url, depth)

    def bounded(self, url: str, details: list[str], more: list[str]) -> tuple[list[str], list[str]]:
        """The links of one list page that may be followed: http(s) only, within the page and queue limits."""
        polite = self.site.politeness
        if len(details) + len(more) > polite.max_links_per_page:  # list_links gave one more than the limit
            self.fault(url, f"more than {polite.max_links_per_page:,} links: only those taken (max_links_per_page)")
            more = more[: polite.max_links_per_page]
            details = details[: polite.max_links_per_page - len(more)]
        followed = [link for link in details if urlsplit(link).scheme in SCHEMES]
        further = [link for link in more if urlsplit(link).scheme in SCHEMES]
        if len(followed) + len(further) < len(details) + len(more):
            refused = len(details) + len(more) - len(followed) - len(further)
            self.fault(url, f"{refused} link(s) not http(s) (file:, ftp: …): not followed")
        scheduler = self.crawler.engine.scheduler if self.crawler.engine is not None else None
        room = polite.max_queued - (len(scheduler) if scheduler is not None else 0)  # type: ignore[arg-type]
        if len(followed) + len(further) > room:
            self.fault(url, f"the site's queue holds {polite.max_queued:,} requests (max_queued): links left for later")
            further = further[: max(room, 0)]
            followed = followed[: max(room - len(further), 0)]
        return followed, further

    def usable(self, response: Response, what: str) -> TextResponse | None:
        """The page as text to extract from, or None (and a fault) when it cannot be used."""
        limit = int(self.site.politeness.max_page_mb * 1024 * 1024)
        if len(response.body) > limit:  # a rendered page's HTML: the browser is not held to DOWNLOAD_MAXSIZE
            self.fault(response.url, f"{what} larger than the maximum page size ({len(response.body):,} bytes)")
            return None
        page = readable(response)
        if isinstance(page, str):
            self.fault(response.url, f"{what} {page}")
            return None
        return page

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

    def parse_detail(self, response: Response) -> Iterator[Item]:
        if response.status == 304:
            if self.crawler.stats is not None:
                self.crawler.stats.inc_value("tutorwatch/detail/not_modified")
            yield KnownPage(canonical_url(response.url, self.site.canonical), self.site.site_id, fetched=True)
            return
        page = self.usable(response, "detail page")
        if page is None:
            return
        if page is not response:
            self.fault(response.url, f"declared charset {response.encoding} is wrong: read as {page.encoding}")
        listing = extract_listing(page, self.site)
        cut = cut_lengths(listing.body)
        if cut is not None:
            self.fault(
                response.url,
                f"text of {cut[0]:,} characters: only the first {cut[1]:,} analysed and stored"
                " (all of it is in the evidence)",
            )
        yield CrawledListing(listing, capture(page))

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
