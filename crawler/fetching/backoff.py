"""Retries that back off: wait what a 429/503 asks for in Retry-After, else 1 s, 2 s, 4 s … before trying again.

Scrapy's own RetryMiddleware retries at once, which is exactly what a site that is shedding load
does not want. The wait happens in the asyncio reactor, so other sites' requests go on.
A site asking for more than TUTORWATCH_RETRY_AFTER_MAX seconds is not retried tonight.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy import Request, Spider
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.utils.response import response_status_message

BACKOFF_BASE = 1.0


def retry_after(value: bytes | None, attempt: int, now: datetime | None = None) -> float:
    """Seconds to wait before retry number ``attempt`` (0-based): Retry-After (seconds or HTTP date) or back-off."""
    text = (value or b"").decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    if text:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)
    return BACKOFF_BASE * 2**attempt


class BackoffRetryMiddleware(RetryMiddleware):
    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        wait = retry_after(response.headers.get(b"Retry-After"), request.meta.get("retry_times", 0))
        limit = self.crawler.settings.getfloat("TUTORWATCH_RETRY_AFTER_MAX", 120)
        if wait > limit:
            self.crawler.stats.inc_value("tutorwatch/retry_after_too_long")  # type: ignore[union-attr]
            logger = self.crawler.spider.logger  # type: ignore[union-attr]
            logger.warning(
                "%s: %d asks to wait %.0f s (more than %.0f): not retried tonight",
                request.url,
                response.status,
                wait,
                limit,
            )
            return response
        retried = self._retry(request, response_status_message(response.status))
        if retried is None:
            return response
        await asyncio.sleep(wait)
        return retried
