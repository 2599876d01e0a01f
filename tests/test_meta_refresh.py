"""A long page's meta refresh is read from its head, not from the whole page decoded in the event loop.

Scrapy's MetaRefreshMiddleware decoded a 10 MB body (20 ms of the crawl's event loop) to look at its
first 4,096 characters; the page itself is then read from its bytes in the big-page lane, so that text
was never used. A real crawl shows the refresh in a long page's head is still followed; real Scrapy
responses show the long body is no longer decoded, and the answer is the same.
"""

from __future__ import annotations

import sqlite3
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.fetching.meta_refresh import HEAD_BYTES, HeadMetaRefreshMiddleware, page_head
from tests.conftest import Samples, Workspace
from tests.support.hostile_site import AD, detail, list_page
from tests.support.sample_server import send, serve_handlers

CONFIG = """name: refresh
platform: tutoring
start_urls: [http://127.0.0.1:{port}/list/1.html]
list: {{detail_links: "a.item::attr(href)"}}
detail: {{title: "h1.t", body: "div.b"}}
politeness: {{obey_robots: false, robots_override_reason: "test server on 127.0.0.1", download_delay: 0}}
"""
FILLER = "<p>家教信息</p>" * 60_000  # about 1.1 MB: past HEAD_BYTES and past the big-page lane's 512 KB


def long_page(refresh_to: str | None, ad: str = "") -> bytes:
    meta = f"<meta http-equiv='refresh' content='0; url={refresh_to}'>" if refresh_to else ""
    return (
        f"<html><head><meta charset='utf-8'>{meta}<title>长页面</title></head><body>"
        f"<h1 class='t'>长页面</h1><div class='b'>{ad}{FILLER}</div></body></html>"
    ).encode()


def middleware() -> HeadMetaRefreshMiddleware:
    return HeadMetaRefreshMiddleware.from_crawler(get_crawler())


def response(url: str, body: bytes) -> HtmlResponse:
    return HtmlResponse(url, body=body, headers={b"Content-Type": b"text/html; charset=utf-8"})


@pytest.mark.parametrize("target", ["/target.html", None])
def test_a_long_page_is_not_decoded_and_the_answer_is_scrapys(target: str | None) -> None:
    url = "http://127.0.0.1:1/long.html"
    page = response(url, long_page(target))
    assert len(page.body) > HEAD_BYTES
    answer = middleware().process_response(Request(url), page)
    assert page._cached_ubody is None  # Scrapy's decoded all 1.1 MB here
    scrapys = response(url, page.body)
    scrapy_answer = MetaRefreshMiddleware.from_crawler(get_crawler()).process_response(Request(url), scrapys)
    if target is None:
        assert answer is page and scrapy_answer is scrapys
    else:
        assert isinstance(answer, Request) and isinstance(scrapy_answer, Request)
        assert answer.url == scrapy_answer.url == "http://127.0.0.1:1/target.html"


def test_the_head_ends_between_characters() -> None:
    body = ("补" * 1000 + "\n").encode() * 100  # 3-byte characters: a cut at HEAD_BYTES would halve one
    head = page_head(body)
    assert len(head) <= HEAD_BYTES and body.startswith(head) and body[len(head) : len(head) + 1] == b"\n"
    head.decode("utf-8")  # raises if a character was cut
    assert page_head(b"<p>short</p>") == b"<p>short</p>"
    whole = ("补" * 100_000).encode()  # nowhere to cut safely: decoded whole, as Scrapy does
    assert page_head(whole) == whole


def test_a_crawl_follows_the_refresh_in_a_long_pages_head(tmp_path: Path) -> None:
    pages = {
        "/list/1.html": list_page(["/long.html", "/plain.html"]),
        "/long.html": long_page("/target.html"),
        "/plain.html": long_page(None, ad=AD.format(n=2)),
        "/target.html": detail(1, "跳转后的页面"),
    }
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            page = pages.get(self.path)
            send(self, 200 if page else 404, {"Content-Type": "text/html; charset=utf-8"}, page or b"")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    sites_dir = tmp_path / "sites"
    sites_dir.mkdir()
    with serve_handlers({"refresh": (0, Handler)}) as ports:
        (sites_dir / "refresh.yaml").write_text(CONFIG.format(port=ports["refresh"]), encoding="utf-8")
        result = Workspace(tmp_path, Samples(sites_dir, {})).run("crawl", sites_dir=sites_dir)
    assert result.returncode == 0, result.stderr
    assert "/target.html" in hits
    with sqlite3.connect(tmp_path / "leads.db") as conn:
        urls = {url.rsplit("/", 1)[1] for (url,) in conn.execute("SELECT url FROM leads")}
    assert urls == {"target.html", "plain.html"}


@pytest.mark.parametrize(
    ("head", "charset"),
    [
        ("<meta http-equiv='refresh' content='0; url=/target.html'>", "utf-8"),
        ("<META HTTP-EQUIV=Refresh CONTENT='0;URL=/target.html'>", "gbk"),
        ("<meta http-equiv='&#114;efresh' content='0; url=/target.html'>", "utf-8"),  # the value may be a reference
        ("<meta http-equiv='refresh' content='0; url=/target.html'>", "utf-16"),  # no ASCII bytes: decoded
        ("<meta name='refresh' content='0; url=/target.html'>", "utf-8"),  # no http-equiv: no refresh
        ("", "utf-8"),
    ],
)
def test_a_short_page_without_http_equiv_is_not_decoded_and_every_answer_is_scrapys(head: str, charset: str) -> None:
    url = "http://127.0.0.1:1/page.html"
    body = f"<html><head>{head}<title>家教</title></head><body><p>初中数学</p></body></html>".encode(charset)
    headers = {b"Content-Type": f"text/html; charset={charset}".encode()}
    page = HtmlResponse(url, body=body, headers=headers)
    answer = middleware().process_response(Request(url), page)
    scrapys = HtmlResponse(url, body=body, headers=headers)
    scrapy_answer = MetaRefreshMiddleware.from_crawler(get_crawler()).process_response(Request(url), scrapys)
    if isinstance(scrapy_answer, Request):
        assert isinstance(answer, Request) and answer.url == scrapy_answer.url == "http://127.0.0.1:1/target.html"
    else:
        assert answer is page and scrapy_answer is scrapys
        if charset != "utf-16":
            assert page._cached_ubody is None  # not decoded in the crawl process
