"""Reading a fetched page into what the spider needs, from its bytes alone: the same in the crawl process
and in a worker process.

A page over the site's ``worker_page_kb`` is read in a detection worker (crawler/spiders/heavy_pages.py):
decoding, parsing and taking the fields' text of a 10 MB page cost seconds of CPU, and in the event
loop every other site waited for them. A Scrapy response holds its request (and the spider's
callbacks), so it cannot be pickled: ``PageBytes`` is what reading it needs, and ``response()`` builds
it again on either side.
"""

from __future__ import annotations

from dataclasses import dataclass

from scrapy.http import Response, TextResponse

from crawler.config.site_config import SiteConfig
from crawler.extraction.extract import extract_listing, list_links, readable
from crawler.extraction.listing import Listing


@dataclass(frozen=True)
class PageBytes:
    """A response as bytes: its class (HtmlResponse, TextResponse …), URL, body, Content-Type and the
    encoding it was built with (a rendered page's; None: from the headers and the body, as Scrapy does)."""

    kind: type[Response]
    url: str
    body: bytes
    content_type: bytes
    encoding: str | None

    @classmethod
    def of(cls, response: Response) -> PageBytes:
        # the encoding given to the constructor, not ``response.encoding``: that one decodes the body to guess
        encoding = getattr(response, "_encoding", None) if isinstance(response, TextResponse) else None
        return cls(type(response), response.url, response.body, response.headers.get(b"Content-Type") or b"", encoding)

    def response(self) -> Response:
        headers = {b"Content-Type": self.content_type} if self.content_type else {}
        if issubclass(self.kind, TextResponse):
            return self.kind(self.url, body=self.body, headers=headers, encoding=self.encoding)
        return self.kind(self.url, body=self.body, headers=headers)


def is_big(page: PageBytes, site: SiteConfig) -> bool:
    """Whether the page is over the site's ``worker_page_kb``: read in the big-page lane, its links streamed."""
    return len(page.body) > site.politeness.worker_page_kb * 1024


@dataclass(frozen=True)
class DetailRead:
    """A detail page read: its listing, or why there is none (``problem``: 'is empty', 'is not text (…)');
    ``misread``: (declared charset, the one it was read as) when the declared one was wrong."""

    listing: Listing | None
    problem: str = ""
    misread: tuple[str, str] | None = None


def read_detail(page: PageBytes, site: SiteConfig) -> DetailRead:
    """Decode the page (GB18030 when its declared charset is wrong) and extract its listing by the site's selectors."""
    response = page.response()
    text = readable(response)
    if isinstance(text, str):
        return DetailRead(None, problem=text)
    assert isinstance(response, TextResponse)
    misread = (response.encoding, text.encoding) if text is not response else None
    return DetailRead(extract_listing(text, site), misread=misread)


@dataclass(frozen=True)
class ListRead:
    """An HTML list page read: its detail links (canonical) and further list pages, at most
    ``max_links_per_page + 1`` of them (the spider sees there were more); or why it could not be read."""

    details: list[str]
    more: list[str]
    problem: str = ""


def read_list(page: PageBytes, site: SiteConfig) -> ListRead:
    """The links of an HTML list page, cut at the site's max_links_per_page before they become Python objects;
    a big page's taken while it is parsed, without its whole tree, when its selectors allow it."""
    text = readable(page.response())
    if isinstance(text, str):
        return ListRead([], [], problem=text)
    details, more = list_links(text, site, None, site.politeness.max_links_per_page, stream=is_big(page, site))
    return ListRead(details, more)
