"""The one generic spider: list pages → detail pages → listings, all driven by a SiteConfig.

A site controls what its pages hold, so the spider counts before it works: links taken from one
list page (``politeness.max_links_per_page``), requests waiting in the site's queue
(``max_queued``: further links wait for another night), links only over http(s), a rendered page's
HTML within ``max_page_mb`` (a plain page is cut off by Scrapy's DOWNLOAD_MAXSIZE while it
downloads). Each cut is a fault of the run, so the morning report says what was left out.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal, cast
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.analysis.long_listings import analyze_big_page
from crawler.analysis.page_jobs import PageAnalysis, PageJob
from crawler.config.site_config import SiteConfig
from crawler.evidence.warc import Capture, capture
from crawler.extraction.extract import ExtractionError, api_listings, json_doc, list_links, readable
from crawler.extraction.listing import CrawledListing, Item, KnownPage, cut_lengths
from crawler.extraction.page_reading import PageBytes, read_detail, read_list
from crawler.extraction.same_page import SamePages
from crawler.extraction.sitemaps import sitemap_links
from crawler.fetching.addresses import SCHEMES
from crawler.fetching.canonical import canonical_url
from crawler.fetching.rendering import browser_settings, render_meta, settled_of
from crawler.fetching.revisit import Action, KnownPages, Revisit
from crawler.images.crawling import listing_images
from crawler.leads.lead_values import Fingerprint
from crawler.pipelines.detect import SharedPool, WorkerDied
from crawler.runs.faults import MAX_PER_SITE, reason_of
from crawler.spiders.heavy_pages import PageReader
from crawler.spiders.list_requests import FIRST, api_request, next_api_value, wait_plan

KEPT = "tutorwatch_kept"  # request meta: the fingerprint of the lead whose evidence is stored (revisit.py)


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
    same: SamePages  # copies of one page under several URLs
    faults: list[tuple[str, str]]  # (url, reason) of pages that did not come through, read by RunRecorder
    reader: PageReader  # reads a big page in a detection worker, a small one here

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SiteSpider:
        """The spider with what a crawl needs: the store's known pages, the fault list, redirect watchers."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        resume_since = settings.get("TUTORWATCH_RESUME_SINCE", "")
        db = settings.get("TUTORWATCH_DB")  # none in a scale-out worker: it never sees the store
        spider.known = KnownPages(Path(db) if db else None, cls.site.politeness.revisit_hours, resume_since)
        spider.same = SamePages(cls.site.site_id, spider.known)
        spider.faults = []
        spider.reader = PageReader(crawler, cls.site)
        crawler.signals.connect(spider.scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(spider.dropped, signal=signals.request_dropped)
        return spider

    async def start(self) -> AsyncIterator[Any]:
        for url in self.site.start_urls:
            yield self.list_request(url)

    def list_request(self, url: str, depth: int = 0, value: Any = FIRST) -> scrapy.Request:
        """A list page: HTML (rendered if the site says so), a sitemap, or a JSON API page (``value``: its
        page number, offset or cursor; FIRST for the paginate's start)."""
        spec = self.site.list
        meta = {**self.meta("lists"), "list_depth": depth}
        if spec.format == "sitemap":
            return scrapy.Request(url, callback=self.parse_sitemap, errback=self.failed, meta=meta)
        if spec.format == "json":
            return api_request(spec, url, value, meta, callback=self.parse_list, errback=self.failed)
        return scrapy.Request(url, callback=self.parse_list, errback=self.failed, meta=meta)

    def meta(self, page: Literal["lists", "details"]) -> dict[str, Any]:
        """Browser meta for the pages this site renders, read once their content is there (a list's links,
        a detail page's title); detail pages get a screenshot as evidence."""
        if not self.site.renders(page):
            return {}
        return render_meta(screenshot=page == "details", wait=wait_plan(self.site, page))

    def closed(self, reason: str) -> None:
        if hasattr(self, "known"):
            self.known.close()

    async def parse_list(self, response: Response) -> AsyncIterator[scrapy.Request | Item]:
        spec = self.site.list
        if spec.format == "html" and self.site.detail.source != "items":  # links only: a big page in a worker
            if self.oversized(response, "list page"):
                return
            try:
                read = await self.reader.read(read_list, PageBytes.of(response))
            except WorkerDied as exc:
                self.fault(response.url, f"list page not read: {exc}")
                return
            if read.problem:
                self.fault(response.url, f"list page {read.problem}")
                return
            for request in self.follow(response, read.details, read.more, len(read.details), None):
                yield request
            return
        page = self.usable(response, "list page")
        if page is None:
            return
        following: Any = None
        try:
            doc = json_doc(page) if spec.format == "json" else None
            details, more = list_links(page, self.site, doc, self.site.politeness.max_links_per_page)
            found = len(details)
            if self.site.detail.source == "items":
                listings, nameless = api_listings(page, self.site, doc)
                found = len(listings) + nameless
                if nameless:
                    self.fault(response.url, f"{nameless} API items without the fields list.item_url names")
                evidence = capture(page)  # the API response is the evidence of every listing in it
                for listing in listings:
                    yield CrawledListing(listing, evidence)
            if spec.paginate is not None:
                following = next_api_value(spec.paginate, response.meta.get("api_value"), doc, found)
        except ExtractionError as exc:
            self.fault(response.url, str(exc))
            return
        for request in self.follow(response, details, more, found, following):
            yield request

    def follow(
        self, response: Response, details: list[str], more: list[str], found: int, following: Any
    ) -> Iterator[scrapy.Request | KnownPage]:
        """The requests a list page leads to: its detail pages, further list pages and the API's next page."""
        self.judge_rendered_list(response, found)
        details, more = self.bounded(response.url, details, more)
        for url in details:
            yield self.detail_request(url)
        depth = response.meta.get("list_depth", 0) + 1
        if (more or following is not None) and depth > self.site.politeness.max_list_depth:
            self.fault(response.url, f"list pages go deeper than max_list_depth ({depth - 1}): a pagination trap?")
            return
        for url in more:
            yield self.list_request(url, depth)
        if following is not None:
            yield self.list_request(response.meta["api_base"], depth, following)

    def judge_rendered_list(self, response: Response, links: int) -> None:
        """A rendered list page read too early, or never complete, is a fault: never a silent empty page."""
        settled = settled_of(response)
        if settled is None:
            return
        stats = self.crawler.stats
        if stats is not None:
            stats.inc_value("tutorwatch/render/lists")
            stats.inc_value(f"tutorwatch/render/ended/{settled.ended}")
            stats.inc_value("tutorwatch/render/lists_with_links", int(links > 0))
        if settled.ended == "timeout":
            self.fault(
                response.url,
                f"rendered list page: its list did not appear within list.wait_timeout"
                f" ({self.site.list.wait_timeout:g} s); read with {links} detail links",
            )
        elif not links:
            self.fault(
                response.url,
                f"rendered list page had no detail links once the {settled.ended} wait ended after"
                f" {settled.waited_ms} ms (a list that loads later: set list.idle_ends_wait: false or list.wait_for)",
            )

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request | KnownPage]:
        """robots.txt, a sitemap index or a urlset: further sitemaps are followed, page URLs taken as detail pages."""
        found = sitemap_links(response, int(self.settings.getint("DOWNLOAD_MAXSIZE")))
        if isinstance(found, str):
            self.fault(response.url, f"sitemap {found}")
            return
        sitemaps, pages = found
        depth = response.meta.get("list_depth", 0) + 1
        if sitemaps and depth > self.site.politeness.max_list_depth:
            self.fault(response.url, f"sitemaps nest deeper than max_list_depth ({depth - 1})")
            return
        for url in sitemaps:
            yield self.list_request(url, depth)
        wanted = re.compile(self.site.list.detail_links or "")
        for url in dict.fromkeys(canonical_url(u, self.site.canonical) for u in pages if wanted.search(u)):
            yield self.detail_request(url)

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

    def oversized(self, response: Response, what: str) -> bool:
        """True (and a fault) for a rendered page's HTML over max_page_mb: the browser is not held to
        DOWNLOAD_MAXSIZE."""
        limit = int(self.site.politeness.max_page_mb * 1024 * 1024)
        if len(response.body) > limit:
            self.fault(response.url, f"{what} larger than the maximum page size ({len(response.body):,} bytes)")
            return True
        return False

    def usable(self, response: Response, what: str) -> TextResponse | None:
        """The page as text to extract from, or None (and a fault) when it cannot be used."""
        if self.oversized(response, what):
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
        if revisit.kept is not None:  # the lead's evidence is stored: tonight's page is packed only if it changed
            meta[KEPT] = revisit.kept
        return scrapy.Request(url, self.parse_detail, headers=revisit.headers, meta=meta, errback=self.failed)

    async def parse_detail(self, response: Response) -> AsyncIterator[Item]:
        if response.status == 304:
            if self.crawler.stats is not None:
                self.crawler.stats.inc_value("tutorwatch/detail/not_modified")
            yield KnownPage(canonical_url(response.url, self.site.canonical), self.site.site_id, fetched=True)
            return
        if self.oversized(response, "detail page"):
            return
        evidence = capture(response)
        try:
            done = await self.read_page(PageBytes.of(response), evidence, response.meta.get(KEPT))
        except WorkerDied as exc:
            self.fault(response.url, f"detail page not read: {exc}")
            return
        read = done.read
        if read.listing is None:
            self.fault(response.url, f"detail page {read.problem}")
            return
        page = cast(TextResponse, response)
        if read.misread is not None:
            self.fault(response.url, f"declared charset {read.misread[0]} is wrong: read as {read.misread[1]}")
            page = page.replace(encoding=read.misread[1])
        listing = read.listing
        cut = cut_lengths(listing.body)
        if cut is not None:
            self.fault(
                response.url,
                f"text of {cut[0]:,} characters: only the first {cut[1]:,} analysed and stored"
                " (all of it is in the evidence)",
            )
        images = await listing_images(self, page, self.site)
        first = self.same.first_url(listing, done.values.extract_hash if done.values is not None else "")
        found = CrawledListing(listing, evidence, done.analysis, images=images, packed=done.packed, values=done.values)
        if first == listing.url:
            yield found
        else:  # a copy of a page already seen under another URL: one lead, the copy's URL noted
            yield replace(found, listing=replace(listing, url=first), alias=listing.url)

    async def read_page(self, page: PageBytes, evidence: Capture, kept: Fingerprint | None = None) -> PageAnalysis:
        """The detail page read. Read, analysed and (flagged) packed as evidence in a detection worker, in the
        batch its analysis joins (crawler/analysis/page_jobs.py), when the crawl has workers and the site reads
        no pictures; a big page the same in one trip to the big-page lane (crawler/analysis/long_listings.py),
        so the other sites' pages go on meanwhile. A site that reads pictures: read here or, a big page, in
        the lane, and analysed by the detect pipeline. Raises WorkerDied."""
        pool = SharedPool.of(self.crawler)
        if pool is None or self.site.images.enabled:
            return PageAnalysis(await self.reader.read(read_detail, page))
        stored = evidence if self.settings.get("TUTORWATCH_DB") else None  # a scale-out worker's writer packs
        job = PageJob(page, self.site, stored, kept)
        if self.reader.in_worker(page) is not None:  # a big page: all of it in one trip to the lane
            done = await self.reader.in_lane(pool, analyze_big_page, job)
        else:
            done = await pool.analyze(job)
        assert isinstance(done, PageAnalysis)
        stats = self.crawler.stats
        if stats is not None and (done.packed is not None or done.unchanged):
            stats.inc_value("tutorwatch/evidence/worker_" + ("unchanged" if done.unchanged else "packed"))
        return done

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
