"""Why a page did not come through, in words an operator reads in the morning report.

Every request of the site spider has an errback; what Scrapy hands it (an HTTP error after the
retries, a timeout, a reset connection, a request refused by robots.txt, the offsite filter or
the redirect limit, a body over the size limit) becomes one fault row: site, URL, reason. Pages
that arrive but cannot be used (a PDF where HTML was expected, an empty body) are faults too.
A bad page costs only that page: the crawl goes on.
"""

from __future__ import annotations

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.fetching.header_limit import MAX_HEADER_BYTES, TOO_LARGE

MAX_PER_SITE = 500  # faults kept per site and run; the count goes on in the stats
REASONS: tuple[tuple[type[BaseException], str], ...] = (
    (DownloadTimeoutError, "timed out (politeness.download_timeout)"),
    (DownloadCancelledError, "cancelled: larger than the maximum page size (politeness.max_page_mb)"),
    (ResponseDataLossError, "connection closed before the whole body arrived"),
    (DownloadConnectionRefusedError, "connection refused"),
    (CannotResolveHostError, "host name does not resolve"),
    (DownloadFailedError, "connection reset or failed"),
)


def reason_of(failure: Failure) -> str:
    """One line saying why a request failed."""
    error = failure.value
    if isinstance(error, HttpError):
        return f"HTTP {error.response.status} (after retries)"
    if isinstance(error, IgnoreRequest) and "DOWNLOAD_MAXSIZE" in str(error):
        return "larger than the maximum page size once decompressed (a compression bomb?)"
    if isinstance(error, IgnoreRequest):
        return f"not fetched: {str(error)[:200]}" if str(error) else "not fetched (filtered)"
    if isinstance(error, DownloadFailedError) and TOO_LARGE in str(error):
        return f"{TOO_LARGE} {MAX_HEADER_BYTES // 1024} KB: given up before the body"
    for kind, reason in REASONS:
        if isinstance(error, kind):
            return reason
    return f"{type(error).__name__}: {str(error)[:200]}"
