"""Two sites for one night: one serves a big page that is slow to read, the other small pages held back until
the big page has gone out (tests/test_big_pages.py).

The slow page is 9 MB of a million tiny elements: parsing it and walking it for its text costs
seconds of CPU wherever it is read (html-text visits every element in Python). The other site
answers its detail pages only once the slow page was sent, so they reach the crawl while the slow
page is being read: in the event loop (before issue 16), nothing of theirs can be stored until it
is done; off the event loop, they are stored and committed meanwhile.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from tests.support.hostile_site import AD, detail, list_page
from tests.support.sample_server import send, serve_handlers

SLOW_ELEMENTS = 1_000_000
OTHER_PAGES = 8
HELD_SECONDS = 120.0  # the longest the other site holds its pages back (the big page never went out)
CONFIG = """name: {name}
platform: tutoring
start_urls: [http://127.0.0.1:{port}/list/1.html]
list: {{detail_links: "a.item::attr(href)"}}
detail: {{title: "h1.t", body: "div.b"}}
politeness: {{obey_robots: false, robots_override_reason: "test server on 127.0.0.1", download_delay: 0}}
"""


@cache
def slow_page() -> bytes:
    """An ad, then a million one-character elements (about 9 MB)."""
    return detail(1, "大页面", AD.format(n=1) + "<i>补</i>" * SLOW_ELEMENTS)


def _handler(pages: dict[str, bytes], sent: threading.Event, held: bool) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            page = pages.get(self.path)
            if held and self.path.startswith("/post/"):
                sent.wait(HELD_SECONDS)
            send(self, 200 if page else 404, {"Content-Type": "text/html; charset=utf-8"}, page or b"")
            if page is not None and self.path == "/slow.html":
                sent.set()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def serve_slow_night(sites_dir: Path) -> Iterator[threading.Event]:
    """Both servers, their configs in ``sites_dir`` (big_page.yaml, other.yaml); yields the event set once the
    slow page was sent."""
    sent = threading.Event()
    big = {"/list/1.html": list_page(["/slow.html"]), "/slow.html": slow_page()}
    other_links = [f"/post/{n}.html" for n in range(1, OTHER_PAGES + 1)]
    other = {"/list/1.html": list_page(other_links)} | {
        link: detail(n, body=AD.format(n=n)) for n, link in enumerate(other_links, start=1)
    }
    handlers = {"big_page": (0, _handler(big, sent, False)), "other": (0, _handler(other, sent, True))}
    with serve_handlers(handlers) as ports:
        sites_dir.mkdir(parents=True, exist_ok=True)
        for name, port in ports.items():
            (sites_dir / f"{name}.yaml").write_text(CONFIG.format(name=name, port=port), encoding="utf-8")
        yield sent
