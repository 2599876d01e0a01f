"""SiteConfig: everything the generic spider needs to know about one site, from crawler/sites/<site_id>.yaml.

Adding a site needs no Python. Configs are validated when loaded; an error names the file and
the field, so a typo fails the crawl at start instead of silently yielding nothing. Selectors
are tried on an empty page when the config loads, so an invalid CSS or XPath selector is refused
then, not on every page at run time.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from parsel import Selector
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from crawler.errors import ConfigError
from crawler.extraction.api_pages import PATH, parse_stop  # the grammar lives with the code that applies it
from crawler.images.options import ImageOptions
from detectors.categories import PLATFORMS

SITES_DIR = Path(__file__).resolve().parents[1] / "sites"
# Query parameters that say where a click came from, not which page it is: the classifieds' and
# job boards' own (from, from_*, ref, src, spm, _refer), campaign tags (utm, utm_*), share links
# (share*, WeChat's isappinstalled / clicktime / enterid, 小红书's xhsshare) and cache busters.
TRACKING_PARAMS = (
    "from",
    "from_*",
    "ref",
    "src",
    "source",
    "spm",
    "utm",
    "utm_*",
    "share*",
    "_refer",
    "isappinstalled",
    "clicktime",
    "enterid",
    "xhsshare",
    "fbclid",
    "gclid",
    "_t",
    "timestamp",
)
JSON_PATH = re.compile(PATH)


EMPTY_PAGE = Selector(text="<html><body></body></html>")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def compiled(query: str | None) -> str | None:
    """``query`` if it is a selector parsel can run (CSS, or XPath after ``xpath:``); else a ValueError saying why."""
    if query is None:
        return None
    kind = "XPath" if query.startswith("xpath:") else "CSS"
    try:
        EMPTY_PAGE.xpath(query[6:]) if kind == "XPath" else EMPTY_PAGE.css(query)
    except Exception as exc:  # lxml, cssselect and parsel each raise their own kind
        raise ValueError(f"{query!r} is not a valid {kind} selector: {exc}") from None
    return query


def json_path(value: str) -> str:
    """A dotted path into JSON (``data.list[].url``), checked when the config loads."""
    if not JSON_PATH.fullmatch(value):
        raise ValueError(f"{value!r} is not a dotted path (e.g. data.list[].url)")
    return value


class ClickMore(_Strict):
    """A "load more" button clicked until it is gone or ``limit`` clicks were made."""

    selector: str
    limit: int = Field(default=10, ge=1, le=500)


class Paginate(_Strict):
    """Pages of a JSON API that names no next URL: one parameter moves by page number, offset or cursor.

    ``stop`` is a small grammar (crawler/extraction/api_pages.py), never evaluated as code:
    ``empty items`` (the default; a page without items always ends the chain),
    ``PATH == VALUE`` / ``PATH != VALUE`` with a JSON literal (``has_more == false``),
    ``page > PATH`` (the last page number is at PATH), ``offset >= PATH`` (the total of items
    is at PATH); a bare ``PATH`` is the last page for ``by: page`` and the total for ``by: offset``.
    """

    param: str  # the query parameter that moves (a dotted path into the body for a POST API)
    by: Literal["page", "offset", "cursor"] = "page"
    start: int = Field(default=1, ge=0)  # the first page number or offset (a cursor API starts without one)
    step: int = Field(default=1, ge=1)  # page numbers move by 1; offsets by the page size
    cursor: str | None = None  # by: cursor: where the next cursor is in the response
    stop: str = "empty items"

    @model_validator(mode="after")
    def _grammar(self) -> Paginate:
        if self.by == "cursor" and not self.cursor:
            raise ValueError("by: cursor needs cursor: the path of the next cursor in the response")
        if self.cursor:
            json_path(self.cursor)
        parse_stop(self.stop, self.by)
        return self


class ListPages(_Strict):
    """How list pages lead to detail pages and to further list pages.

    ``format: html`` selectors are CSS (``xpath:`` prefix for XPath); ``format: json`` ones are
    dotted paths into the JSON body, ``[]`` stepping into arrays (``jobs[].url``); ``format:
    sitemap`` reads sitemap.xml files, sitemap indexes and robots.txt ``Sitemap:`` lines, and
    ``detail_links`` is then a regular expression that the detail URLs match (all URLs when omitted).
    """

    format: Literal["html", "json", "sitemap"] = "html"
    detail_links: str | None = None
    next_page: str | None = None
    section_links: str | None = None
    # format: json
    items: str | None = None  # where each listing's object is (data.list[]), for detail.source: items
    item_url: str | None = None  # the listing's URL, filled from its item: "/job/{id}" or "{shareUrl}"
    paginate: Paginate | None = None
    method: Literal["GET", "POST"] = "GET"
    body: dict[str, Any] | None = None  # a POST API's body; the paginate param is set inside it
    body_format: Literal["json", "form"] = "json"
    headers: dict[str, str] = {}  # sent with every list request (Referer, X-Requested-With …)
    # render: lists — when a rendered list page is read, and how much of a feed is loaded
    wait_for: str | None = None  # the selector to wait for; default: detail_links's elements
    wait_timeout: float = Field(default=15, gt=0, le=120)  # seconds; then the page is a fault
    idle_ends_wait: bool = True  # the network going idle ends the wait too (false: only the selector)
    scroll: int = Field(default=0, ge=0, le=500)  # times an infinite-scroll feed is scrolled to its end
    click_more: ClickMore | None = None

    @model_validator(mode="after")
    def _per_format(self) -> ListPages:
        if self.format == "json":
            for name in ("detail_links", "next_page", "section_links", "items"):
                value = getattr(self, name)
                if value is not None:
                    json_path(value)
        elif self.items or self.paginate or self.item_url or self.body or self.method != "GET":
            raise ValueError("items, item_url, paginate, method and body are for format: json")
        if self.format == "sitemap":
            if self.next_page or self.section_links:
                raise ValueError("format: sitemap follows sitemap indexes itself: no next_page or section_links")
            try:
                re.compile(self.detail_links or "")
            except re.error as exc:
                raise ValueError(f"detail_links {self.detail_links!r} is not a regular expression: {exc}") from None
        if self.body is not None and self.method != "POST":
            raise ValueError("body needs method: POST")
        return self

    @model_validator(mode="after")
    def _selectors(self) -> ListPages:
        if self.format == "html":
            for query in (self.detail_links, self.next_page, self.section_links):
                compiled(query)
        return self


class DetailFields(_Strict):
    """Selectors (CSS, or ``xpath:``-prefixed XPath) for the fields of a detail page.

    With ``source: items`` there is no detail page: each field is a dotted path into the
    listing's item of the JSON API (``list.items``), and the API response is the evidence.
    """

    source: Literal["page", "items"] = "page"
    title: str
    body: str
    publisher: str | None = None
    contact: str | None = None
    city: str | None = None
    district: str | None = None
    price: str | None = None
    posted_at: str | None = None
    images: str | None = None  # the listing's pictures (img, or img::attr(src)); default: the <img> in body

    @field_validator("*")
    @classmethod
    def _selector(cls, value: str | None) -> str | None:
        return compiled(value)

    def text_fields(self) -> dict[str, str]:
        """The Listing fields this config names, with their queries: not ``source`` (a mode) nor ``images``
        (pictures are fetched, not read as text). The one list every reader of detail fields uses."""
        named = self.model_dump(exclude={"source", "images"})
        return {name: query for name, query in named.items() if query is not None}


class Canonical(_Strict):
    """Which query parameters identify a page; the rest are noise (``?from=list``)."""

    keep_params: tuple[str, ...] | None = None
    drop_params: tuple[str, ...] = TRACKING_PARAMS


class Politeness(_Strict):
    """How hard we may hit the site, and how often its detail pages are fetched again.

    Ignoring robots.txt needs a written reason (``robots_override_reason``), kept in the config
    for whoever audits the crawl. ``revisit_hours``: a detail page fetched more recently than
    this is not downloaded again (its lead still counts as seen); older ones are re-asked with
    If-None-Match / If-Modified-Since. 0 re-asks every page every night.
    """

    obey_robots: bool = True
    robots_override_reason: str | None = None
    download_delay: float = Field(default=0.25, ge=0, le=60)
    concurrency: int = Field(default=2, ge=1, le=16)
    max_pages: int = Field(default=2000, ge=1)
    max_list_depth: int = Field(default=200, ge=1)  # list pages followed in a chain: stops pagination traps
    revisit_hours: float = Field(default=72, ge=0)
    download_timeout: float = Field(default=30, gt=0, le=600)
    max_page_mb: float = Field(default=10, gt=0, le=200)  # decompressed; a rendered page's HTML too
    max_links_per_page: int = Field(default=2000, ge=1)  # links taken from one list page (the rest: a fault)
    max_queued: int = Field(default=10_000, ge=1)  # requests waiting in the site's queue; more links wait a night
    worker_page_kb: int = Field(default=512, ge=0)  # a bigger detail page is read in a worker, off the event loop

    @model_validator(mode="after")
    def _robots_reason(self) -> Politeness:
        if not self.obey_robots and not (self.robots_override_reason or "").strip():
            raise ValueError("obey_robots: false needs a written robots_override_reason")
        return self


class SiteConfig(_Strict):
    site_id: str
    name: str
    platform: str
    city: str | None = None
    start_urls: tuple[str, ...] = Field(min_length=1)
    list: ListPages
    detail: DetailFields
    canonical: Canonical = Canonical()
    politeness: Politeness = Politeness()
    render: bool | Literal["lists", "details"] = False  # which pages a browser renders; true = all
    render_hosts: tuple[str, ...] = ()  # other host[:port]s the browser may load for this site (a CDN); else none
    cookies: bool = False  # keep the site's cookies and send them back (a site that needs a session)
    images: ImageOptions = ImageOptions()  # read the text of the listing's pictures (off by default)

    @model_validator(mode="after")
    def _coherent(self) -> SiteConfig:
        spec = self.list
        if self.detail.source == "items":
            if spec.format != "json" or not spec.items or not spec.item_url:
                raise ValueError("detail.source: items needs list.format: json, list.items and list.item_url")
            for name, path in self.detail.text_fields().items():
                try:
                    json_path(path)
                except ValueError as exc:
                    raise ValueError(f"detail.{name}: {exc}") from None
        elif spec.detail_links is None and spec.format != "sitemap":
            raise ValueError("list.detail_links is required (or detail.source: items for listings in a JSON API)")
        rendered = spec.wait_for or spec.scroll or spec.click_more
        if rendered and not self.renders("lists"):
            raise ValueError("list.wait_for, scroll and click_more need render: lists (or true)")
        return self

    @field_validator("site_id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z0-9_]+", value):
            raise ValueError("site_id (the file name) must be lower-case letters, digits and _")
        return value

    @field_validator("platform")
    @classmethod
    def _platform(cls, value: str) -> str:
        if value not in PLATFORMS:
            raise ValueError(f"unknown platform {value!r}; one of {', '.join(PLATFORMS)}")
        return value

    @field_validator("start_urls")
    @classmethod
    def _urls(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for url in value:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"{url!r} is not an http(s) URL")
        return value

    @field_validator("render", mode="before")
    @classmethod
    def _render(cls, value: object) -> object:
        if not isinstance(value, bool) and value not in ("lists", "details"):
            raise ValueError(f"{value!r} is not one of false, true, lists, details (which pages a browser renders)")
        return value

    def renders(self, page: Literal["lists", "details"]) -> bool:
        """Whether this kind of page goes through the browser."""
        return self.render is True or self.render == page

    @property
    def domains(self) -> set[str]:
        """host[:port] of every start URL; ``check`` uses it to pick the config for a URL."""
        return {urlsplit(url).netloc for url in self.start_urls}

    @property
    def hosts(self) -> set[str]:
        """Host names of every start URL: the hosts this config makes known (see crawler/fetching/addresses.py)."""
        return {urlsplit(url).hostname or "" for url in self.start_urls}


def load_site(path: Path) -> SiteConfig:
    """Load one site config; errors say which file and which field."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from None
    except RecursionError:
        raise ConfigError(f"{path}: not a site config: nested too deeply") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of fields")
    try:
        return SiteConfig.model_validate({"site_id": path.stem, **raw})
    except ValidationError as exc:  # every problem, on one line: a typo is both a missing and an unknown field
        problems = [
            f"field '{'.'.join(str(part) for part in err['loc']) or '(top level)'}': "
            + err["msg"].removeprefix("Value error, ")
            for err in exc.errors()
        ]
        raise ConfigError(f"{path}: {'; '.join(problems)}") from None


def load_sites(sites_dir: Path = SITES_DIR, only: tuple[str, ...] = ()) -> list[SiteConfig]:
    """Every site config in a directory, or the named ones; unknown names are an error."""
    paths = sorted(sites_dir.glob("*.yaml"))
    known = {p.stem for p in paths}
    missing = [name for name in only if name not in known]
    if missing:
        raise ConfigError(f"{sites_dir}: no site config named {', '.join(missing)} (have: {', '.join(sorted(known))})")
    return [load_site(p) for p in paths if not only or p.stem in only]
