"""Meta refresh read from a page's head, as browsers do, not from the whole page decoded.

Scrapy's MetaRefreshMiddleware looks for ``<meta http-equiv=refresh>`` in the first 4,096
characters of the page, but to get them it decodes the whole body (``response.text``): 20 ms of
the crawl's event loop for a 10 MB page, whose text is then never used there (a page over
``politeness.worker_page_kb`` is read from its bytes in the big-page lane, crawler/spiders/heavy_pages.py).
This one decodes only the first HEAD_BYTES of a body longer than that, cut at a tag's bracket, a
space or a line break (ASCII bytes that are never part of a multibyte character in UTF-8, GBK,
GB18030, Big5 or Shift_JIS), and answers with the same redirect or the page itself, whole.
"""

from __future__ import annotations

from scrapy import Spider
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.http import HtmlResponse, Request, Response

HEAD_BYTES = 64 * 1024  # far more than the 4,096 characters Scrapy reads the refresh from
SCRAPY_MIDDLEWARE = "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware"
DOWNLOADER_MIDDLEWARES = {SCRAPY_MIDDLEWARE: None, f"{__name__}.HeadMetaRefreshMiddleware": 580}  # Scrapy's place


BOUNDARIES = (b"<", b">", b" ", b"\n")  # bytes no multibyte character of a page's charset contains


def page_head(body: bytes, size: int = HEAD_BYTES) -> bytes:
    """The body's first ``size`` bytes at most, cut between two characters (the whole body if it cannot tell where)."""
    if len(body) <= size:
        return body
    cut = max(body.rfind(boundary, 0, size) for boundary in BOUNDARIES)
    return body[:cut] if cut > 0 else body


def cannot_refresh(head: bytes) -> bool:
    """True when the page's head has no ``http-equiv`` attribute, so no meta refresh, whatever its charset.

    An attribute's name is never a character reference in HTML, so ``http-equiv`` stands in the bytes as
    ASCII letters in every charset that writes ASCII as ASCII (UTF-8, GBK, GB18030, Big5, Shift_JIS …).
    A head with NUL bytes (UTF-16 or UTF-32) or without a single ``<`` (a charset that does not, EBCDIC)
    is not ruled out here: Scrapy's middleware decodes and reads it."""
    return b"\x00" not in head and b"<" in head and b"http-equiv" not in head.lower()


class HeadMetaRefreshMiddleware(MetaRefreshMiddleware):
    """MetaRefreshMiddleware that decodes only the head of a long page (the page itself goes on whole), and
    nothing of a page whose head has no ``http-equiv``: a detail page's text is read in a detection worker,
    so decoding it in the crawl process (and finding its charset) only to look for a refresh was about 3%
    of that process's time (bench/crawl_speed.py, py-spy)."""

    def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        if not isinstance(response, HtmlResponse):
            return super().process_response(request, response)
        cut = page_head(response.body)  # found once: it rules the page out, or is what Scrapy reads
        if cannot_refresh(cut):
            return response
        if len(response.body) <= HEAD_BYTES:
            return super().process_response(request, response)
        head = response.replace(body=cut)
        result = super().process_response(request, head)
        return response if result is head else result
