"""Detail URLs from sitemaps: robots.txt ``Sitemap:`` lines, sitemap indexes and urlsets, gzipped or not.

The parsing is Scrapy's own (``scrapy.utils.sitemap``, what SitemapSpider uses); what is added is
what SitemapSpider keeps in its methods: reading a gzipped body under the page-size limit.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.http import Response, XmlResponse
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots


def sitemap_body(response: Response, max_size: int) -> bytes | None:
    """The XML of a sitemap response (gunzipped within ``max_size``), or None when it is none."""
    if gzip_magic_number(response):
        try:
            return gunzip(response.body, max_size=max_size)
        except (ValueError, OSError):  # over max_size, or a broken gzip
            return None
    if isinstance(response, XmlResponse) or response.body.lstrip()[:5] in (b"<?xml", b"<urls", b"<site"):
        return response.body
    return None


def sitemap_links(response: Response, max_size: int) -> tuple[list[str], list[str]] | str:
    """(further sitemaps, page URLs) in a robots.txt, sitemap index or urlset; or why it is none of them."""
    if urlsplit(response.url).path.endswith("/robots.txt"):
        found = list(dict.fromkeys(sitemap_urls_from_robots(response.body, base_url=response.url)))
        return (found, []) if found else "robots.txt names no Sitemap:"
    body = sitemap_body(response, max_size)
    if body is None:
        return "is not a sitemap (neither XML nor gzip, or larger than the page-size limit once unpacked)"
    sitemap = Sitemap(body)
    locs = list(dict.fromkeys(response.urljoin(entry["loc"]) for entry in sitemap))
    if sitemap.type == "sitemapindex":
        return locs, []
    if sitemap.type == "urlset":
        return [], locs
    return f"is not a sitemap (its root element is <{sitemap.type}>)"
