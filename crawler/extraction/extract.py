"""Pure extraction: (response, SiteConfig) → links and Listing. Golden-tested on saved pages, no crawl."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from parsel import SelectorList
from parsel.csstranslator import css2xpath
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.selector import Selector

from crawler.config.site_config import SiteConfig
from crawler.errors import TutorWatchError
from crawler.extraction.json_path import text_at, values_at
from crawler.extraction.listing import Listing
from crawler.extraction.main_text import main_text
from crawler.extraction.node_text import node_text
from crawler.extraction.streamed_links import streamable, streamed_links
from crawler.fetching.canonical import canonical_url


class ExtractionError(TutorWatchError):
    """A page that cannot be read as what its config says it is."""


def page_selector(response: TextResponse) -> Selector:
    """A selector over the page, not cached on the response.

    ``response.selector`` and its response hold each other: a cycle that only Python's slowest
    garbage collection frees, so on a crawl of 9 MB list pages each page's lxml tree (a few hundred
    MB) outlived it and memory grew by that much a page. This one is freed when extraction ends.
    """
    return Selector(response=response)


def _select(sel: Selector, query: str, limit: int | None = None) -> SelectorList:
    """What a selector (CSS, or XPath after ``xpath:``) matches; with ``limit``, only the first ``limit`` nodes
    become Python objects (a list page of 240,000 links would otherwise make 240,000 of them)."""
    is_xpath = query.startswith("xpath:")
    if limit is not None and (is_xpath or sel.type == "html"):
        xpath = query[6:] if is_xpath else css2xpath(query)  # parsel's own translation of CSS on HTML
        try:
            return sel.xpath(f"({xpath})[position() <= {limit}]")
        except ValueError:  # not a node-set (count(), string()): taken whole
            pass
    return sel.xpath(query[6:]) if is_xpath else sel.css(query)


def field_text(sel: Selector, query: str) -> str:
    """Text of everything a selector matches: element text with block-aware line breaks."""
    parts = []
    for node in _select(sel, query):
        text = node_text(node.root) if not isinstance(node.root, str) else node.root
        if text.strip():
            parts.append(text.strip())
    return "\n".join(parts)


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


def json_doc(response: TextResponse) -> Any:
    """The JSON body of an API list page."""
    try:
        return json.loads(response.text)
    except ValueError:
        raise ExtractionError(f"{response.url}: list page is not JSON") from None


def list_links(
    response: TextResponse, site: SiteConfig, doc: Any = None, limit: int | None = None, stream: bool = False
) -> tuple[list[str], list[str]]:
    """(canonical detail URLs, further list-page URLs) found on one list page (``doc``: its JSON, if parsed).

    With ``limit``, at most ``limit + 1`` links come back (further list pages first), cut before
    the costly part, so a page of 240,000 links costs no more than one of ``limit``; the caller
    sees that there were more. ``stream`` (a big page): the links are taken while the page is parsed,
    never holding its whole tree, when the selectors allow it (crawler/extraction/streamed_links.py).
    """
    spec = site.list
    queries = [q for q in (spec.detail_links, spec.next_page, spec.section_links) if q]
    if spec.format == "json":
        doc = json_doc(response) if doc is None else doc
        detail = [str(v) for v in values_at(doc, spec.detail_links)] if spec.detail_links else []
        more = [str(v) for q in (spec.next_page, spec.section_links) if q for v in values_at(doc, q)]
    elif stream and limit is not None and isinstance(response, HtmlResponse) and all(map(streamable, queries)):
        found = streamed_links(response.text, queries, limit + 1)
        detail = found.pop(0) if spec.detail_links else []
        more = [v for values in found for v in values]
    else:
        take, page = None if limit is None else limit + 1, page_selector(response)
        detail = _select(page, spec.detail_links, take).getall() if spec.detail_links else []
        more = [v for q in (spec.next_page, spec.section_links) if q for v in _select(page, q, take).getall()]
    if limit is not None:
        more = more[: limit + 1]
        detail = detail[: max(limit + 1 - len(more), 0)]
    details = list(dict.fromkeys(canonical_url(response.urljoin(u), site.canonical) for u in detail))
    return details, [response.urljoin(u) for u in more]


PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def item_url(template: str, item: Any, base: str) -> str | None:
    """A listing's URL from its API item: ``/job/{id}`` filled in (quoted), or ``{shareUrl}`` as it is."""
    whole = PLACEHOLDER.fullmatch(template)
    values = {path: text_at(item, path) for path in PLACEHOLDER.findall(template)}
    if not all(values.values()):
        return None
    if whole:
        return urljoin(base, values[whole[1]])
    return urljoin(base, PLACEHOLDER.sub(lambda m: quote(values[m[1]], safe=""), template))


def api_listings(response: TextResponse, site: SiteConfig, doc: Any) -> tuple[list[Listing], int]:
    """The listings that live entirely in a JSON API's items (detail.source: items), and how many
    items had no URL (their ``item_url`` placeholders were empty)."""
    spec, fields = site.list, site.detail
    listings, nameless = [], 0
    for item in values_at(doc, spec.items or ""):
        url = item_url(spec.item_url or "", item, response.url)
        if url is None:
            nameless += 1
            continue
        values = {name: text_at(item, path) for name, path in fields.text_fields().items()}
        listings.append(
            Listing(
                url=canonical_url(url, site.canonical),
                fetched_url=response.url,
                site=site.site_id,
                platform=site.platform,
                **{k: re.sub(r"[ \t]+", " ", v) if k != "body" else v for k, v in values.items()},
            )
        )
    return listings, nameless


def extract_listing(response: TextResponse, site: SiteConfig) -> Listing:
    """The listing on a detail page, by the site's field selectors."""
    page = page_selector(response)
    values = {name: field_text(page, query) for name, query in site.detail.text_fields().items()}
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
