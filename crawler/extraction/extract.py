"""Pure extraction: (response, SiteConfig) → links and Listing. Golden-tested on saved pages, no crawl."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

import html_text
from parsel import Selector, SelectorList
from scrapy.http import Response, TextResponse

from crawler.config.site_config import SiteConfig
from crawler.errors import TutorWatchError
from crawler.extraction.listing import Listing
from crawler.extraction.main_text import main_text
from crawler.fetching.canonical import canonical_url


class ExtractionError(TutorWatchError):
    """A page that cannot be read as what its config says it is."""


def _select(sel: Selector, query: str) -> SelectorList:
    return sel.xpath(query[6:]) if query.startswith("xpath:") else sel.css(query)


def field_text(sel: Selector, query: str) -> str:
    """Text of everything a selector matches: element text with block-aware line breaks."""
    parts = []
    for node in _select(sel, query):
        text = html_text.extract_text(node.root) if not isinstance(node.root, str) else node.root
        if text.strip():
            parts.append(text.strip())
    return "\n".join(parts)


def _json_path(doc: Any, path: str) -> list[Any]:
    """Values at a dotted path; ``name[]`` steps into every element of an array."""
    values = [doc]
    for step in path.split("."):
        many = step.endswith("[]")
        key = step.removesuffix("[]")
        values = [v.get(key) for v in values if isinstance(v, dict)]
        if many:
            values = [item for v in values if isinstance(v, list) for item in v]
    return [v for v in values if v not in (None, "")]


TEXT_TYPES = ("text/", "html", "xml", "json")  # Content-Types a listing can be read from
MISDECODED = 0.3  # share of replacement characters among non-ASCII ones that means the wrong charset


def readable(response: Response) -> TextResponse | str:
    """The response as text to extract from, or why it cannot be (a PDF or an image, an empty body).

    A page whose declared charset is wrong (GBK bytes sent as UTF-8, or no charset at all and
    not UTF-8) decodes with replacement characters; if the bytes read cleanly as GB18030, the
    superset of GBK that Chinese sites use, that reading is returned instead.
    """
    if not response.body.strip():
        return "is empty"
    kind = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
    if not isinstance(response, TextResponse) or (kind and not any(t in kind for t in TEXT_TYPES)):
        return f"is not text ({kind or 'unknown type'})"
    text = response.text
    broken = text.count("\ufffd")  # on a correctly decoded page 0, and the check below is skipped
    non_ascii = len(text) - len(text.encode("ascii", "ignore")) if broken else 0
    if broken > MISDECODED * non_ascii and response.encoding.lower() != "gb18030":
        try:
            response.body.decode("gb18030")
        except UnicodeDecodeError:
            return response
        return response.replace(encoding="gb18030")
    return response


def list_links(response: TextResponse, site: SiteConfig) -> tuple[list[str], list[str]]:
    """(canonical detail URLs, further list-page URLs) found on one list page."""
    spec = site.list
    if spec.format == "json":
        try:
            doc = json.loads(response.text)
        except ValueError:
            raise ExtractionError(f"{response.url}: list page is not JSON") from None
        detail = [str(v) for v in _json_path(doc, spec.detail_links)]
        more = [str(v) for q in (spec.next_page, spec.section_links) if q for v in _json_path(doc, q)]
    else:
        detail = _select(response, spec.detail_links).getall()
        more = [v for q in (spec.next_page, spec.section_links) if q for v in _select(response, q).getall()]
    details = list(dict.fromkeys(canonical_url(response.urljoin(u), site.canonical) for u in detail))
    return details, [response.urljoin(u) for u in more]


def extract_listing(response: TextResponse, site: SiteConfig) -> Listing:
    """The listing on a detail page, by the site's field selectors."""
    fields = site.detail
    text_fields = fields.model_dump(exclude={"images"})  # pictures are fetched, not read as text
    values = {name: field_text(response, query) for name, query in text_fields.items() if query is not None}
    return Listing(
        url=canonical_url(response.url, site.canonical),
        fetched_url=response.url,
        site=site.site_id,
        platform=site.platform,
        **{k: re.sub(r"[ \t]+", " ", v) if k != "body" else v for k, v in values.items()},
    )


def generic_listing(response: Response, platform: str = "social") -> Listing:
    """The listing on a page without a site config, by main-text extraction."""
    if not isinstance(response, TextResponse):
        raise ExtractionError(f"{response.url}: not a text page ({response.headers.get('Content-Type', b'?')!r})")
    title, body = main_text(response.text)
    return Listing(
        url=canonical_url(response.url),
        fetched_url=response.url,
        site=urlsplit(response.url).netloc,
        platform=platform,
        title=title,
        body=body,
    )
