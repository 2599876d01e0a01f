"""A local site whose pages misbehave in every way the issue lists, beside good pages that must come through.

Two servers on 127.0.0.1: the main one (robots.txt disallows /private/) and a second whose
robots.txt answers 500. ``GOOD`` are the paths whose listings must become leads whatever their
neighbours do; ``FAULTS`` maps each failing path to a word its fault reason must contain.
"""

from __future__ import annotations

import gzip
import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.support.sample_server import send, serve_handlers

AD = "初中数学一对一上门辅导，{n}号老师，周末班火热招生，保证提分，电话1380000{n:04d}"
GOOD = [
    "/good/1.html",
    "/good/2.html",
    "/good/3.html",
    "/fault/500-once",
    "/fault/429-once",
    "/fault/malformed",
    "/fault/gbk-as-utf8",
    "/fault/no-charset",
    "/fault/gb18030",
]
FAULTS = {
    "/fault/404": "HTTP 404",
    "/fault/410": "HTTP 410",
    "/fault/reset": "connection",
    "/fault/slow": "timed out",
    "/fault/loop": "redirect loop",
    "/fault/offsite": "off the site",
    "/fault/huge": "larger than",
    "/fault/bomb": "larger than",
    "/fault/pdf": "not text",
    "/fault/image": "not text",
    "/fault/empty": "empty",
    "/private/secret.html": "robots.txt",
}
SLOW_SECONDS = 6.0  # the fault site's config sets download_timeout: 2
GB18030_ONLY = "𠮷䶮"  # outside GBK: only GB18030 (or UTF-8) can carry them


@cache
def bomb() -> bytes:
    """64 MB of zeros in about 64 KB of gzip."""
    return gzip.compress(b"\0" * (64 * 1024 * 1024))


def detail(n: int, extra: str = "") -> str:
    return (
        f"<html><head><title>{n}</title></head><body><h1 class='t'>数学辅导{n}{extra}</h1>"
        f"<div class='b'>{AD.format(n=n)}</div></body></html>"
    )


def list_page(links: list[str], next_page: str | None) -> bytes:
    items = "".join(f"<li><a class='item' href='{link}'>{link}</a></li>" for link in links)
    more = f"<a class='next' href='{next_page}'>下一页</a>" if next_page else ""
    return f"<html><head><meta charset='utf-8'></head><body><ul>{items}</ul>{more}</body></html>".encode()


class FaultSite:
    def __init__(self, robots_status: int = 200) -> None:
        self.robots_status = robots_status
        self.hits: dict[str, int] = {}
        self.lock = threading.Lock()

    def seen(self, path: str) -> int:
        with self.lock:
            self.hits[path] = self.hits.get(path, 0) + 1
            return self.hits[path]

    def route(self, handler: BaseHTTPRequestHandler, path: str) -> tuple[int, dict[str, str], bytes] | None:
        """(status, headers, body), or None when the handler already dealt with the connection."""
        html = {"Content-Type": "text/html; charset=utf-8"}
        count = self.seen(path)
        if path == "/robots.txt":
            return self.robots_status, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /private/\n"
        if path == "/list/1.html":
            return 200, html, list_page([*GOOD, *FAULTS], "/trap/1.html")
        if path.startswith("/trap/"):  # an endless 下一页 chain, each link with a new query string
            number = int(path.split("/")[2].split(".")[0])
            return 200, html, list_page([], f"/trap/{number + 1}.html?r={time.monotonic_ns()}")
        if path.startswith("/good/"):
            return 200, html, detail(int(path.split("/")[2].split(".")[0])).encode()
        if path == "/fault/500-once" and count == 1:
            return 500, html, b"busy"
        if path == "/fault/429-once" and count == 1:
            return 429, {**html, "Retry-After": "1"}, b"slow down"
        if path in ("/fault/500-once", "/fault/429-once"):
            return 200, html, detail(21 if "500" in path else 22).encode()
        if path in ("/fault/404", "/fault/410"):
            return int(path[-3:]), html, b"gone"
        if path == "/fault/reset":
            handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            handler.close_connection = True
            return None
        if path == "/fault/slow":
            time.sleep(SLOW_SECONDS)
            return 200, html, detail(30).encode()
        if path in ("/fault/loop", "/fault/loop2"):
            return 302, {"Location": "/fault/loop2" if path == "/fault/loop" else "/fault/loop"}, b""
        if path == "/fault/offsite":
            return 302, {"Location": "http://offsite.invalid/ad.html"}, b""
        if path == "/fault/huge":
            return 200, html, b"<html><body>" + b"x" * (20 * 1024 * 1024) + b"</body></html>"
        if path == "/fault/bomb":
            return 200, {**html, "Content-Encoding": "gzip"}, bomb()
        if path == "/fault/pdf":
            return 200, {"Content-Type": "application/pdf"}, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
        if path == "/fault/image":
            return 200, {"Content-Type": "image/png"}, b"\x89PNG\r\n\x1a\n" + bytes(64)
        if path == "/fault/empty":
            return 200, html, b""
        if path == "/fault/malformed":  # unclosed tags, NUL bytes, an invalid UTF-8 byte
            body = detail(40).replace("</div></body></html>", "<p><b>名额有限<div>\0\0").encode() + b"\xff\xfe<td"
            return 200, html, body
        if path == "/fault/gbk-as-utf8":
            return 200, html, detail(50).encode("gbk")
        if path == "/fault/no-charset":
            return 200, {"Content-Type": "text/html"}, detail(60).encode("gbk")
        if path == "/fault/gb18030":
            return 200, {"Content-Type": "text/html; charset=gb18030"}, detail(70, GB18030_ONLY).encode("gb18030")
        if path == "/private/secret.html":
            return 200, html, detail(80).encode()
        return 404, html, b"not found"


def _handler(site: FaultSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            page = site.route(self, self.path.split("?")[0])
            if page is None:
                return
            send(self, *page)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def serve_fault_sites() -> Iterator[tuple[dict[str, int], dict[str, FaultSite]]]:
    """The main fault site and the one whose robots.txt answers 500; yields their ports and sites."""
    sites = {"main": FaultSite(), "robots500": FaultSite(robots_status=500)}
    with serve_handlers({name: (0, _handler(site)) for name, site in sites.items()}) as ports:
        yield ports, sites
