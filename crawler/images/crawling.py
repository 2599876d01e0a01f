"""A spider's one call for a detail page's pictures: chosen by the site config, fetched, faults noted."""

from __future__ import annotations

from typing import Any

from scrapy.http import TextResponse

from crawler.config.site_config import SiteConfig
from crawler.images.fetching import FetchedImage, fetch_images
from crawler.images.options import ImageOptions
from crawler.images.selection import image_urls


async def listing_images(
    spider: Any, page: TextResponse, site: SiteConfig | None, options: ImageOptions | None = None
) -> tuple[FetchedImage, ...]:
    """The pictures of a listing when its site reads them (``options`` overrides the site's: ``check``)."""
    options = options or (site.images if site is not None else ImageOptions())
    if not options.enabled:
        return ()
    urls = image_urls(page, site, options)
    stats = spider.crawler.stats
    if stats is not None and urls:
        stats.inc_value("tutorwatch/images/fetched", len(urls))
    return await fetch_images(spider.crawler, urls, page.url, options)
