"""Where a request may go: http(s) only, and to public unicast addresses unless a site config names the host.

A list page on host H linking ``file://H/etc/passwd`` passed Scrapy's off-site filter (it compares
host names) and Scrapy's ``file://`` handler read the local file; a page redirecting ``check`` to
``http://169.254.169.254/`` reached the cloud's metadata service. So:

- only the http and https download handlers exist (``download_handlers``): file, ftp, s3 and
  data are switched off, and ``AddressGuard`` refuses any other scheme before it reaches one;
- a request to a host that no site config names (a redirect, a sub-domain the off-site filter
  lets through, a URL given to ``check``) goes only to public unicast addresses: the host is
  resolved (asynchronously, once per host and run) and refused if any of its addresses is
  loopback, private, link-local (cloud metadata), shared, multicast, reserved or unspecified.
  A configured site's host is trusted as the operator wrote it, loopback included (the tests'
  and the demo's sample sites live on 127.0.0.1).

The spider says which hosts its configs name (``known_hosts``). A host that re-resolves between
this check and the connection (DNS rebinding) is not caught here; the deploy unit's network
limits are the second line.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request
from scrapy.utils.httpobj import urlparse_cached

SCHEMES = ("http", "https")
HTTP_HANDLER = "crawler.fetching.header_limit.HeaderLimitedHandler"
NOT_PUBLIC = (
    ("is_loopback", "a loopback address"),
    ("is_link_local", "a link-local address (cloud metadata)"),
    ("is_multicast", "a multicast address"),
    ("is_unspecified", "an unspecified address"),
    ("is_reserved", "a reserved address"),
    ("is_private", "a private address"),
)


def download_handlers(http: str = HTTP_HANDLER) -> dict[str, str | None]:
    """DOWNLOAD_HANDLERS: ``http`` for http and https, every other scheme switched off."""
    return {"http": http, "https": http, "file": None, "ftp": None, "s3": None, "data": None}


def not_public(address: str) -> str | None:
    """Why an IP address is not public unicast, or None when it is."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_global and not ip.is_multicast:
        return None
    return next((words for attribute, words in NOT_PUBLIC if getattr(ip, attribute)), "not a public address")


async def host_problem(host: str, port: int) -> str | None:
    """Why ``host`` may not be fetched (one of its addresses is not public), or None; a host that does not
    resolve is left to the download, which reports it as such."""
    try:
        problem = not_public(host)
    except ValueError:  # a name, not an address literal
        pass
    else:
        return f"{host} is {problem}" if problem else None
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        return None
    for *_, sockaddr in infos:
        problem = not_public(str(sockaddr[0]))
        if problem:
            return f"{host} resolves to {sockaddr[0]}, {problem}"
    return None


class AddressGuard:
    """Downloader middleware: only http(s), and only public addresses for hosts no site config names."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.checked: dict[str, str | None] = {}  # host → problem, once per run

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuard:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        parts = urlparse_cached(request)
        if parts.scheme not in SCHEMES:
            raise IgnoreRequest(f"refused: {parts.scheme}: URLs are never fetched (only http and https)")
        host = parts.hostname or ""
        known: Any = getattr(self.crawler.spider, "known_hosts", ())
        if host in known:
            return
        if host not in self.checked:
            port = parts.port or (443 if parts.scheme == "https" else 80)
            self.checked[host] = await host_problem(host, port)
        problem = self.checked[host]
        if problem:
            raise IgnoreRequest(
                f"refused: {problem}; only public addresses are fetched for a host no site config names"
            )
