"""A local classifieds site whose ads are posters: the offer is in the picture, the page text is innocent.

Every poster of tests/support/posters.py (28 violations, 23 clean) is one detail page: a neutral
title, the poster's caption as page text, the poster inside the post body, plus a logo in the
header and a 16 px icon in the body that image selection must leave alone. ``HOSTILE`` pages
carry a clean caption and a picture that is not one: truncated, a pixel bomb, HTML, garbage, a
404, a file over the size limit, an image robots.txt forbids. Each must be a fault of that
picture, never of the night.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from html import escape
from http.server import BaseHTTPRequestHandler
from typing import Any

from PIL import Image

from tests.support.poster_texts import CLEAN, VIOLATIONS
from tests.support.posters import Poster, draw
from tests.support.sample_server import send, serve_handlers

TITLE = "看图了解详情 {n}"
ICON = '<img src="/static/icon.png" width="16" height="16">'
LOGO = '<header><img src="/static/logo.png"></header>'
HUGE_BYTES = 11_000_000  # over the largest max_mb (10)


def _png(width: int, height: int, colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def _pixel_bomb() -> bytes:
    """A 30000×30000 PNG header: a few hundred bytes that would decode to 2.7 GB."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 1000))
        + chunk(b"IEND", b"")
    )


@cache
def hostile_images() -> dict[str, tuple[int, str, bytes]]:
    """name → (status, Content-Type, body) of the pictures that are not what they claim."""
    poster = _png(600, 400)
    return {
        "truncated": (200, "image/png", poster[: len(poster) // 3]),
        "bomb": (200, "image/png", _pixel_bomb()),
        "html": (200, "image/png", b"<html><body>not an image</body></html>"),
        "garbage": (200, "image/jpeg", b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8),
        "missing": (404, "text/html", b"not found"),
        "huge": (200, "image/png", b"\x89PNG\r\n\x1a\n" + b"\0" * HUGE_BYTES),
    }


HOSTILE = (*(f"bad-{name}" for name in ("truncated", "bomb", "html", "garbage", "missing", "huge")), "bad-robots")


class DrawnOnDemand(Mapping[str, Poster]):
    """Every poster by id, each drawn the first time it is asked for: drawing all 51 takes 3–7 s, and
    most tests and the benchmarks' tiny runs serve two to eighteen of them."""

    def __init__(self) -> None:
        self.texts = {text.poster_id: text for text in (*VIOLATIONS, *CLEAN)}
        self.drawn: dict[str, Poster] = {}
        self.lock = threading.Lock()  # the site's server threads and the test may ask at once

    def __getitem__(self, poster_id: str) -> Poster:
        with self.lock:
            if poster_id not in self.drawn:
                self.drawn[poster_id] = draw(self.texts[poster_id])
            return self.drawn[poster_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self.texts)

    def __len__(self) -> int:
        return len(self.texts)


@cache
def posters() -> DrawnOnDemand:
    """Every poster by id, violations first (tests/support/posters.py's order)."""
    return DrawnOnDemand()


def detail_page(n: int, caption: str, image: str) -> bytes:
    return (
        f'<html><head><meta charset="utf-8"><title>{TITLE.format(n=n)}</title></head><body>{LOGO}'
        f'<h1 class="t">{TITLE.format(n=n)}</h1><div class="post-body"><p>{escape(caption)}</p>'
        f'{ICON}<img src="{image}" alt=""></div><footer>联系我们</footer></body></html>'
    ).encode()


class PosterSite:
    """``ids``: the posters served (all by default); ``hostile``: whether the bad pictures' pages are listed."""

    def __init__(self, ids: list[str] | None = None, hostile: bool = True, blank: bool = False) -> None:
        self.hits: Counter[str] = Counter()
        self.not_modified: Counter[str] = Counter()  # 304s answered, by path
        self.lock = threading.Lock()
        self.ids = ids if ids is not None else list(posters())
        self.hostile = HOSTILE if hostile else ()
        self.blank = blank  # every poster's picture a plain 600×400 PNG: fetched as usual, read in no time
        self.edition = 0  # raised between nights: every page's text changes, its pictures do not

    def pages(self) -> list[str]:
        """Detail paths: every poster, then the hostile ones."""
        return [f"/ad/{poster_id}.html" for poster_id in self.ids] + [f"/ad/{name}.html" for name in self.hostile]

    def route(self, path: str) -> tuple[int, dict[str, str], bytes]:
        html = {"Content-Type": "text/html; charset=utf-8"}
        if path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /private/\n"
        if path == "/list.html":
            links = "".join(f'<li><a class="item" href="{p}">{p}</a></li>' for p in self.pages())
            return 200, html, f"<html><body><ul>{links}</ul></body></html>".encode()
        if path.startswith("/ad/") and path.endswith(".html"):
            name = path[4:-5]
            n = self.pages().index(path) + 1 if path in self.pages() else 0
            if name in self.ids:
                poster = posters()[name]
                extension = "png" if poster.format == "PNG" else "jpg"
                caption = poster.text.caption + (f"（第{self.edition}次更新）" if self.edition else "")
                return 200, html, detail_page(n, caption, f"/img/{name}.{extension}")
            if name == "bad-robots":
                return 200, html, detail_page(n, "周末书法体验课，成人可报", "/private/poster.png")
            if name in HOSTILE:
                return 200, html, detail_page(n, "周末书法体验课，成人可报", f"/img/{name}.png")
        if path.startswith("/img/"):
            name, _, _ = path[5:].rpartition(".")
            if name in self.ids and self.blank:
                return 200, {"Content-Type": "image/png"}, _png(600, 400, (250, 250, 250))
            if name in self.ids:
                poster = posters()[name]
                return 200, {"Content-Type": f"image/{poster.format.lower()}"}, poster.image
            if name.startswith("bad-") and name[4:] in hostile_images():
                status, kind, body = hostile_images()[name[4:]]
                return status, {"Content-Type": kind}, body
        if path == "/static/icon.png":
            return 200, {"Content-Type": "image/png"}, _png(16, 16)
        if path == "/static/logo.png":
            return 200, {"Content-Type": "image/png"}, _png(200, 60, (30, 30, 200))
        if path == "/private/poster.png":
            return 200, {"Content-Type": "image/png"}, _png(600, 400)
        return 404, html, b"not found"


def _handler(site: PosterSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            with site.lock:
                site.hits[path] += 1
            status, headers, body = site.route(path)
            if status == 200 and path.startswith("/img/"):  # pictures carry an ETag and answer If-None-Match
                etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
                if self.headers.get("If-None-Match") == etag:
                    with site.lock:
                        site.not_modified[path] += 1
                    status, body = 304, b""
                headers = {**headers, "ETag": etag}
            send(self, status, headers, body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def site_config(
    port: int, images: bool = True, revisit_hours: float = 0, max_pages: int = 2000, concurrency: int = 8
) -> str:
    """The poster site's YAML: pictures read (or not), every page fetched again each night."""
    return f"""name: 海报广告测试站
platform: social
start_urls: [http://127.0.0.1:{port}/list.html]
list:
  detail_links: "a.item::attr(href)"
detail:
  title: "h1.t"
  body: "div.post-body"
images: {{enabled: {str(images).lower()}, max_per_listing: 4, min_side: 48}}
politeness: {{download_delay: 0, concurrency: {concurrency}, revisit_hours: {revisit_hours}, max_pages: {max_pages}}}
"""


@contextmanager
def serve_poster_site(
    ids: list[str] | None = None, hostile: bool = True, blank: bool = False
) -> Iterator[tuple[int, PosterSite]]:
    site = PosterSite(ids, hostile, blank)
    for poster_id in site.ids:  # drawn before the server answers: a crawl should not wait on Pillow
        posters()[poster_id]
    with serve_handlers({"posters": (0, _handler(site))}) as ports:
        yield ports["posters"], site
