"""``sites test``: one list page and one detail page of a site, asked for as the crawl asks, with what
every selector of its config matched (counts, first values) — ``scrapy parse`` for a site config.

The list page is the first start URL (rendered, JSON API with its body and headers, or sitemap,
as the config says; a sitemap index is followed to its first sitemap); the detail page is the
given URL or the first detail link found. Nothing is stored and nothing is detected.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import scrapy
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.config.site_config import SiteConfig
from crawler.extraction.extract import _select, api_listings, field_text, list_links, readable
from crawler.extraction.json_path import values_at
from crawler.extraction.sitemaps import sitemap_links
from crawler.fetching.canonical import canonical_url
from crawler.fetching.rendering import settled_of
from crawler.runs.faults import reason_of
from crawler.spiders.list_requests import next_api_value
from crawler.spiders.site_spider import SiteSpider

SHOWN = 3  # first values shown per selector
VALUE_CHARS = 80
MAX_SITEMAPS = 5  # sitemap indexes followed before giving up


@dataclass
class Matched:
    """What one selector (or dotted path) matched on a page."""

    name: str
    query: str
    count: int
    first: list[str]


@dataclass
class Probe:
    """The outcome of ``sites test``: the pages asked for and what the config found on them."""

    list_url: str = ""
    list_status: str = ""  # 'HTTP 200', or why it did not come through
    list_matched: list[Matched] = field(default_factory=list)
    list_notes: list[str] = field(default_factory=list)
    detail_url: str = ""
    detail_status: str = ""
    detail_matched: list[Matched] = field(default_factory=list)
    listing: dict[str, str] = field(default_factory=dict)  # the listing the config produced, if any

    @property
    def empty_fields(self) -> list[str]:
        return [m.name for m in self.detail_matched if not m.count or not any(v.strip() for v in m.first)]

    @property
    def produces_listing(self) -> bool:
        return bool(self.listing.get("title", "").strip() or self.listing.get("body", "").strip())


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = " ".join(text.split())
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 1] + "…"


def _css_matches(page: TextResponse, name: str, query: str) -> Matched:
    values = _select(page, query).getall()
    texts = [_short(field_text(page, query))] if name not in ("detail_links", "next_page", "section_links") else []
    return Matched(name, query, len(values), texts or [_short(v) for v in values[:SHOWN]])


def _path_matches(doc: Any, name: str, path: str) -> Matched:
    values = values_at(doc, path)
    return Matched(name, path, len(values), [_short(v) for v in values[:SHOWN]])


class ProbeSpider(SiteSpider):
    """Built per site by ``for_site`` like the crawl's spider; ``probe`` collects what it found."""

    probe: Probe
    detail_url: str | None

    @classmethod
    def probing(cls, site: SiteConfig) -> type[ProbeSpider]:
        base = SiteSpider.for_site(site)  # the crawl's name, politeness and browser settings
        kept = ("name", "site", "allowed_domains", "known_hosts", "custom_settings")
        return type(f"ProbeSpider_{site.site_id}", (cls,), {key: getattr(base, key) for key in kept})

    async def start(self) -> AsyncIterator[Any]:
        self.probe.list_url = self.site.start_urls[0]
        request = self.list_request(self.site.start_urls[0])
        yield request.replace(errback=self.list_failed, dont_filter=True)

    def list_failed(self, failure: Failure) -> None:
        self.probe.list_status = reason_of(failure)

    def detail_failed(self, failure: Failure) -> None:
        self.probe.detail_status = reason_of(failure)

    def ask_detail(self, url: str | None) -> Iterator[scrapy.Request]:
        url = self.detail_url or url
        if url is None:
            return
        self.probe.detail_url = url
        meta = self.meta("details")
        yield scrapy.Request(url, self.parse_detail, errback=self.detail_failed, meta=meta, dont_filter=True)

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        self.probe.list_status = f"HTTP {response.status}"
        self.probe.list_url = response.url
        found = sitemap_links(response, int(self.settings.getint("DOWNLOAD_MAXSIZE")))
        if isinstance(found, str):
            self.probe.list_notes.append(f"sitemap {found}")
            yield from self.ask_detail(None)
            return
        sitemaps, pages = found
        wanted = re.compile(self.site.list.detail_links or "")
        matching = [u for u in pages if wanted.search(u)]
        self.probe.list_matched = [
            *([Matched("sitemaps", "(sitemap index)", len(sitemaps), sitemaps[:SHOWN])] if sitemaps else []),
            Matched("detail_links", self.site.list.detail_links or "(every URL)", len(matching), matching[:SHOWN]),
        ]
        depth = response.meta.get("list_depth", 0) + 1
        if not matching and sitemaps and depth <= MAX_SITEMAPS:
            self.probe.list_notes.append(f"followed the sitemap index to {sitemaps[0]}")
            yield self.list_request(sitemaps[0], depth).replace(errback=self.list_failed, dont_filter=True)
            return
        yield from self.ask_detail(canonical_url(matching[0], self.site.canonical) if matching else None)

    def parse_list(self, response: Response) -> Iterator[scrapy.Request]:
        self.probe.list_status = f"HTTP {response.status}"
        page = readable(response)
        if isinstance(page, str):
            self.probe.list_notes.append(f"list page {page}")
            yield from self.ask_detail(None)
            return
        spec = self.site.list
        settled = settled_of(response)
        if settled is not None:
            self.probe.list_notes.append(
                f"rendered: read after {settled.waited_ms} ms ({settled.ended}), {settled.scrolls} scrolls,"
                f" {settled.clicks} clicks, {settled.matches} elements matched"
            )
        queries = {"detail_links": spec.detail_links, "next_page": spec.next_page, "section_links": spec.section_links}
        if spec.format == "json":
            try:
                doc = json.loads(page.text)
            except ValueError:
                self.probe.list_notes.append("list page is not JSON")
                return
            queries["items"] = spec.items
            if spec.paginate is not None:
                queries["paginate.cursor"] = spec.paginate.cursor
            matched = [_path_matches(doc, name, q) for name, q in queries.items() if q]
        else:
            doc = None
            matched = [_css_matches(page, name, q) for name, q in queries.items() if q]
        self.probe.list_matched = matched
        details, _ = list_links(page, self.site, doc)
        if spec.paginate is not None:
            items = len(values_at(doc, spec.items)) if spec.items else len(details)
            following = next_api_value(spec.paginate, response.meta.get("api_value"), doc, items)
            said = "none: this was the last page" if following is None else repr(following)
            self.probe.list_notes.append(f"paginate: {spec.paginate.param} of the next page = {said}")
        if self.site.detail.source == "items":
            listings, nameless = api_listings(page, self.site, doc)
            if nameless:
                self.probe.list_notes.append(f"{nameless} items without the fields item_url names")
            if listings:
                first = listings[0]
                self.probe.detail_url = first.url
                self.probe.detail_status = "from the API item (no detail page)"
                item = values_at(doc, spec.items or "")[0]
                named = self.site.detail.text_fields()
                self.probe.detail_matched = [_path_matches(item, name, path) for name, path in named.items()]
                self.probe.listing = {name: getattr(first, name) for name in named}
            return
        yield from self.ask_detail(details[0] if details else None)

    def parse_detail(self, response: Response) -> Iterator[Any]:
        self.probe.detail_status = f"HTTP {response.status}"
        page = readable(response)
        if isinstance(page, str):
            self.probe.detail_status += f", detail page {page}"
            return
        named = self.site.detail.text_fields()
        self.probe.detail_matched = [_css_matches(page, name, q) for name, q in named.items()]
        self.probe.listing = {name: field_text(page, q) for name, q in named.items()}
        return
        yield
