"""A site's page limit (``politeness.max_pages``) counts pages, not the pictures fetched for them.

Scrapy's CloseSpider counts every response for CLOSESPIDER_PAGECOUNT, so a site whose listings
carry four pictures each stopped after a fifth of its pages. This is the same extension with
picture responses (marked by crawler/images/fetching.py) left out of the count.
"""

from __future__ import annotations

from typing import Any

from scrapy.extensions.closespider import CloseSpider

PICTURE = "tutorwatch_picture"  # request meta: a listing's picture, not a page
PICTURE_RESPONSES = "tutorwatch/images/responses"  # stat: responses that were pictures (not pages)
EXTENSIONS = {"scrapy.extensions.closespider.CloseSpider": None, "crawler.fetching.page_limit.PageLimit": 0}


def is_picture(request: Any) -> bool:
    return bool(getattr(request, "meta", {}).get(PICTURE))


class PageLimit(CloseSpider):
    """CloseSpider whose page count skips picture responses (every other limit as Scrapy's)."""

    def page_count(self, response: Any, request: Any, spider: Any) -> None:
        if not is_picture(request):
            super().page_count(response, request, spider)
