"""robots.txt as RFC 9309 reads it: a robots.txt that answers 5xx means "disallow everything" tonight.

Scrapy's RobotsTxtMiddleware parses whatever body came back, so a server error page (usually
empty) reads as "allow all": exactly when a site is struggling, we would crawl all of it. Here a
5xx robots.txt disallows the whole host for this run and is reported as a fault; a 4xx (no
robots.txt) still allows everything, as the RFC says.
"""

from __future__ import annotations

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Request, Response

DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"


class StrictRobotsTxtMiddleware(RobotsTxtMiddleware):
    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if response.status >= 500:
            spider = self.crawler.spider
            if spider is not None and hasattr(spider, "fault"):
                reason = f"robots.txt answered HTTP {response.status}: the host is treated as disallowed (RFC 9309)"
                spider.fault(response.url, reason)
            response = response.replace(body=DISALLOW_ALL)
        await super()._parse_robots(response, netloc, request)
