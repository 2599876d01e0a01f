"""Which pictures of a detail page are the ad's: the site's ``detail.images`` selector, else the body's ``<img>``."""

from __future__ import annotations

from urllib.parse import urlsplit

from parsel import Selector, SelectorList
from scrapy.http import TextResponse

from crawler.config.site_config import SiteConfig
from crawler.images.options import ImageOptions

SOURCE_ATTRIBUTES = ("src", "data-src", "data-original", "data-lazy-src")  # lazy-loading pages keep it elsewhere
OUTSIDE_TEXT = "ancestor::*[self::nav or self::header or self::footer or self::aside]"  # logos, banners, avatars


def _select(sel: Selector, query: str) -> SelectorList:
    return sel.xpath(query[6:]) if query.startswith("xpath:") else sel.css(query)


def _too_small(node: Selector, min_side: int) -> bool:
    """An ``<img>`` that says it is smaller than ``min_side`` (width="16"): not worth a request."""
    for name in ("width", "height"):
        value = (node.attrib.get(name) or "").strip().removesuffix("px")
        if value.isdigit() and int(value) < min_side:
            return True
    return False


def _source(node: Selector) -> str:
    if isinstance(node.root, str):  # the selector chose an attribute (img::attr(src))
        return node.root
    return next((node.attrib[name] for name in SOURCE_ATTRIBUTES if node.attrib.get(name, "").strip()), "")


def image_urls(page: TextResponse, site: SiteConfig | None, options: ImageOptions) -> list[str]:
    """Absolute http(s) URLs of the listing's pictures, in page order, each once, at most ``max_per_listing``.

    Without a ``detail.images`` selector: the ``<img>`` inside the nodes of ``detail.body`` (the
    listing's text), or, on a page without a config, every ``<img>`` outside nav/header/footer/aside.
    ``data:`` URIs and SVG (drawings, not photographs of text) are left out.
    """
    if site is not None and site.detail.images:
        nodes = list(_select(page, site.detail.images))
    elif site is not None:
        nodes = [img for block in _select(page, site.detail.body) for img in block.xpath("descendant-or-self::img")]
    else:
        nodes = list(page.xpath(f"//body//img[not({OUTSIDE_TEXT})]"))
    urls: list[str] = []
    for node in nodes:
        if not isinstance(node.root, str) and _too_small(node, options.min_side):
            continue
        source = _source(node).strip()
        if not source or source.startswith("data:"):
            continue
        url = page.urljoin(source)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.path.lower().endswith(".svg") or url in urls:
            continue
        urls.append(url)
        if len(urls) >= options.max_per_listing:
            break
    return urls
