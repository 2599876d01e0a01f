"""A generated site of N listings behind list pages of 100 links with 下一页: the crawl benchmark's and the tests'.

Each detail page carries one listing's title, body (a paragraph per line) and facts (发布者, 联系电话,
区县, 价格); ``site_config`` is the SiteConfig that crawls it. The pages are bytes in memory:
``serve_site`` serves them on a free 127.0.0.1 port, ``write_site`` writes them for nginx.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.support.sample_server import SITE_KINDS, load_listings

PER_LIST = 100
FACTS = (("发布者", "publisher"), ("联系电话", "contact"), ("区县", "district"), ("价格", "price"))
ROBOTS = "User-agent: *\nAllow: /\n"


def detail_page(item: dict[str, Any]) -> bytes:
    esc = html.escape
    facts = "".join(f"<tr><th>{label}</th><td>{esc(str(item.get(key) or ''))}</td></tr>" for label, key in FACTS)
    body = "\n".join(f"<p>{esc(line)}</p>" for line in item["body"].splitlines() if line.strip())
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{esc(item["title"])}</title></head>'
        f'<body><div class="post"><h1 class="post-title">{esc(item["title"])}</h1>'
        f'<table class="meta">{facts}</table><div class="post-body">{body}</div></div></body></html>'
    ).encode()


def render_site(items: Sequence[dict[str, Any]]) -> dict[str, bytes]:
    """Path → page: /robots.txt, /list/1.html … (100 links and 下一页 each), /post/<n>.html per item."""
    pages = {"/robots.txt": ROBOTS.encode()}
    for n, item in enumerate(items):
        pages[f"/post/{n}.html"] = detail_page(item)
    lists = max((len(items) + PER_LIST - 1) // PER_LIST, 1)
    for number in range(1, lists + 1):
        links = "".join(
            f'<li><a class="post-link" href="/post/{n}.html">帖子 {n}</a></li>'
            for n in range((number - 1) * PER_LIST, min(number * PER_LIST, len(items)))
        )
        nav = f'<a href="/list/{number + 1}.html">下一页</a>' if number < lists else ""
        pages[f"/list/{number}.html"] = (
            f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><ul class="posts">{links}</ul>'
            f'<div class="pager">{nav}</div></body></html>'
        ).encode()
    return pages


def site_pages(pages: int) -> dict[str, bytes]:
    """The generated site: N detail pages, the sample listings' texts in turn, each numbered."""
    listings = [item for site in SITE_KINDS for item in load_listings(site)]
    items = []
    for n in range(pages):
        item = listings[n % len(listings)]
        items.append({**item, "title": f"{item['title']} #{n}", "body": f"{item['body']}\n编号 {n}"})
    return render_site(items)


def site_config(port: int, politeness: dict[str, Any] | None = None) -> dict[str, Any]:
    """The SiteConfig (as YAML data) of the generated site on ``port``."""
    return {
        "name": "生成的测试站",
        "platform": "tutoring",
        "start_urls": [f"http://127.0.0.1:{port}/list/1.html"],
        "list": {
            "detail_links": "ul.posts a.post-link::attr(href)",
            "next_page": "xpath://div[@class='pager']/a[contains(., '下一页')]/@href",
        },
        "detail": {
            "title": "h1.post-title",
            "body": "div.post-body",
            "publisher": "xpath://th[.='发布者']/following-sibling::td[1]",
            "contact": "xpath://th[.='联系电话']/following-sibling::td[1]",
            "district": "xpath://th[.='区县']/following-sibling::td[1]",
            "price": "xpath://th[.='价格']/following-sibling::td[1]",
        },
        "politeness": politeness or {"download_delay": 0, "concurrency": 16, "max_pages": 10**7},
    }


def write_site(pages: dict[str, bytes], root: Path) -> None:
    for path, data in pages.items():
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


@contextmanager
def serve_site(pages: dict[str, bytes]) -> Iterator[int]:
    """The pages on a free 127.0.0.1 port (a thread per request) until the block ends; yields the port."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            page = pages.get(self.path.split("?", 1)[0])
            self.send_response(200 if page is not None else 404)
            kind = "text/plain" if self.path.endswith(".txt") else "text/html; charset=utf-8"
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(page or b"")))
            self.end_headers()
            self.wfile.write(page or b"")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
