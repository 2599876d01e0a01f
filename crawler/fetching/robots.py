"""robots.txt as RFC 9309 reads it: a robots.txt that cannot be read means "disallow everything" tonight.

Scrapy's RobotsTxtMiddleware parses whatever body came back, so a server error page (usually
empty) reads as "allow all"; and when robots.txt cannot be fetched at all (timed out, reset,
larger than the limit) it allows everything too: exactly when a site is struggling, or hostile,
we would crawl all of it. Here a robots.txt that answers 5xx, or cannot be read (an error after
the retries; larger than ROBOTS_MAX_BYTES, which is above the 500 KiB RFC 9309 asks crawlers to
parse), disallows the whole host for this run and is reported as a fault. A 4xx (no robots.txt)
still allows everything, as the RFC says. Requests that wait together for a host's robots.txt
all get its rules (Scrapy's let all but the first through).
"""

from __future__ import annotations

from typing import Any

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from crawler.runs.faults import reason_of

DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"
ROBOTS_MAX_BYTES = 512 * 1024
DISALLOWED = "the host is treated as disallowed tonight (RFC 9309)"


class StrictRobotsTxtMiddleware(RobotsTxtMiddleware):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.schemes: dict[str, str] = {}  # netloc → the scheme its robots.txt is asked with, to name it
        self.unreadable: dict[str, str] = {}  # netloc → why its robots.txt could not be read

    async def process_request(self, request: Request) -> None:  # type: ignore[override]
        parts = urlparse_cached(request)
        if request.meta.get("dont_obey_robotstxt") and parts.path == "/robots.txt":
            request.meta.setdefault("download_maxsize", ROBOTS_MAX_BYTES)  # our own robots.txt request
        self.schemes.setdefault(parts.netloc, parts.scheme)
        try:
            await super().process_request(request)
        except IgnoreRequest:
            if parts.netloc in self.unreadable:  # say why, not only "Forbidden by robots.txt"
                raise IgnoreRequest(self.unreadable[parts.netloc]) from None
            raise

    async def robot_parser(self, request: Request) -> Any:
        """The host's parser; a request that arrives while robots.txt is being fetched waits on a Deferred of its own.

        Scrapy's awaits the shared Deferred itself, and awaiting a Deferred hands its result to the
        first waiter only (the chain goes on with None): every other request that waited — a
        listing's pictures on a new host, fetched together — was let through as if robots.txt
        allowed it.
        """
        waiting = self._parsers.get(urlparse_cached(request).netloc)
        if isinstance(waiting, Deferred):
            mine: Deferred = Deferred()
            waiting.addBoth(lambda result: (mine.callback(result), result)[1])  # passed on to the next waiter
            return await maybe_deferred_to_future(mine)
        return await super().robot_parser(request)

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if response.status >= 500:
            self._fault(response.url, f"robots.txt answered HTTP {response.status}: {DISALLOWED}")
            response = response.replace(body=DISALLOW_ALL)
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        """robots.txt could not be read: the host is disallowed (Scrapy's own would allow everything)."""
        if not isinstance(exc, IgnoreRequest):
            self._stats.inc_value(f"robotstxt/exception_count/{type(exc)}")
        why = reason_of(Failure(exc))
        if "larger than" in why:
            why = f"larger than {ROBOTS_MAX_BYTES // 1024} KB"
        self.unreadable[netloc] = f"robots.txt could not be read ({why}): {DISALLOWED}"
        self._fault(f"{self.schemes.get(netloc, 'http')}://{netloc}/robots.txt", self.unreadable[netloc])
        waiting = self._parsers[netloc]
        parser = build_from_crawler(self._parserimpl, self.crawler, DISALLOW_ALL)
        self._parsers[netloc] = parser
        if isinstance(waiting, Deferred):
            waiting.callback(parser)

    def _fault(self, url: str, reason: str) -> None:
        spider = self.crawler.spider
        if spider is not None and hasattr(spider, "fault"):
            spider.fault(url, reason)
