"""A cap on the bytes of a response's status line and headers, which DOWNLOAD_MAXSIZE does not count.

Twisted's HTTP/1.1 client, under Scrapy's download handler, takes any number of header lines
(each up to 16 KB): 110 MB of ``Set-Cookie`` once took 2 GB before the body began. Here the
parser counts the header bytes as they arrive and gives up on the response past
MAX_HEADER_BYTES (Chromium's own limit), closing the connection; the page becomes a fault
("response headers larger than 256 KB"). The parser is swapped in the same way Scrapy swaps in
its lenient one (``HTTP11DownloadHandler`` replaces the pool's protocol factory), so redirects,
retries, proxies and TLS all behave as before. ``HeaderLimit`` is mixed into the plain handler
here and into the browser's handler (crawler/fetching/rendering.py), whose non-rendered
requests go through the same pool.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.core.downloader.handlers.http11 import (
    HTTP11DownloadHandler,
    _LenientHTTP11ClientFactory,
    _LenientHTTP11ClientProtocol,
    _LenientHTTPClientParser,
)

if TYPE_CHECKING:
    from twisted.internet.defer import Deferred
    from twisted.internet.interfaces import IAddress
    from twisted.web.iweb import IResponse

MAX_HEADER_BYTES = 256 * 1024
TOO_LARGE = "response headers larger than"  # crawler/runs/faults.py recognises the failure by these words


class HeadersTooLarge(Exception):
    """The status line and headers of a response went past MAX_HEADER_BYTES."""


class _CountingParser(_LenientHTTPClientParser):
    def lineReceived(self, line: bytes) -> None:
        self._header_bytes = getattr(self, "_header_bytes", 0) + len(line) + 1
        if self._header_bytes > MAX_HEADER_BYTES:
            raise HeadersTooLarge(f"{TOO_LARGE} {MAX_HEADER_BYTES // 1024} KB")
        super().lineReceived(line)

    def lineLengthExceeded(self, line: bytes) -> None:
        raise HeadersTooLarge(f"{TOO_LARGE} {MAX_HEADER_BYTES // 1024} KB (one line of {len(line):,} bytes)")


class _CountingProtocol(_LenientHTTP11ClientProtocol):
    def request(self, request: Any) -> Deferred[IResponse]:
        response = super().request(request)
        assert self._parser is not None  # as in Scrapy's lenient protocol: a request always has a parser
        self._parser.__class__ = _CountingParser
        return response


class _CountingFactory(_LenientHTTP11ClientFactory):
    def buildProtocol(self, addr: IAddress | None) -> _CountingProtocol:
        return _CountingProtocol(self._quiescentCallback)  # type: ignore[no-untyped-call]


class HeaderLimit:
    """Mixin for a subclass of HTTP11DownloadHandler: its connections count header bytes."""

    _pool: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pool._factory = _CountingFactory


class HeaderLimitedHandler(HeaderLimit, HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 download handler with the header cap: DOWNLOAD_HANDLERS for http and https."""
