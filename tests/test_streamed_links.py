"""A huge list page's links taken while it is parsed: the whole tree's answer, in a fraction of its memory.

The streamed reading (crawler/extraction/streamed_links.py) is compared with the whole tree's on the saved
list pages, on the sample sites' pages (from their servers) and on a page made to be awkward, with
slices small enough to cut every tag in two. A 240,000-link page (the hostile site's, 9 MB) is then read
in a fresh process: the tree took about 190 MB there; streamed, it must stay far below.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scrapy.http import HtmlResponse

from crawler.extraction.extract import _select, list_links, page_selector
from crawler.extraction.streamed_links import streamable, streamed_links
from tests.support.sample_server import SITE_KINDS, serve_samples
from tests.test_extract import PAGES, SITES, saved

AWKWARD = """<!DOCTYPE html><html><head><base href="/b/"><script>var s = '<a class="item" href="/no">';</script>
<!-- <a class="item" href="/commented"> --></head><body class="x">
<ul class="posts"><li><a class="item post-link" href="/1">一</a><li><a class='item' href="/2?x=1&amp;y=2">二</a>
<li><a class=item href=/3><b>三<a class="item" href="/4-nested">四</a></b></ul>
<div class="pager"><p>段落<a class="next" href="/list/2.html">下一页</a><div><a class="item" href="/5">五</a></div>
<table><tr><td><a class="item" href="/6">六</td></tr></table><a class="item" href="/7" /><a class="item" href="">空</a>
<noscript><a class="item" href="/8">八</a></noscript><a class="item">无链接</a>{tail}
"""
QUERIES = [
    "a.item::attr(href)",
    "a.next::attr(href)",
    "ul.posts a.post-link::attr(href), div.pager a::attr(href)",
    "body.x ul li > a::attr(href)",
    "xpath://ul[@class='posts']//a/@href | //noscript/a/@href",
    "xpath://a[@class and not(@href)]/@class",
]


def tree_links(response: HtmlResponse, query: str, limit: int) -> list[str]:
    return _select(page_selector(response), query, limit).getall()


def html(url: str, body: bytes) -> HtmlResponse:
    return HtmlResponse(url, body=body)


def sample_pages() -> list[tuple[HtmlResponse, str]]:
    """The sample sites' static list pages with their sites' selectors, fetched from their servers."""
    found = []
    paths = {"jiajiao_classifieds": ["/list/1.html", "/list/2.html"], "jiazheng_agency": ["/"]}
    with serve_samples(dict.fromkeys(SITE_KINDS, 0)) as ports:
        for site_id, site_paths in paths.items():
            spec = SITES[site_id].list
            todo = list(site_paths)
            while todo:
                url = f"http://127.0.0.1:{ports[site_id]}{todo.pop()}"
                with urllib.request.urlopen(url, timeout=10) as answer:
                    response = html(url, answer.read())
                found += [(response, q) for q in (spec.detail_links, spec.next_page, spec.section_links) if q]
                if url.endswith(f":{ports[site_id]}/") and spec.section_links:
                    todo += [link.split("?")[0] for link in tree_links(response, spec.section_links, 100)][:3]
    return found


def saved_pages() -> list[tuple[HtmlResponse, str]]:
    found = []
    for site_id in sorted(SITES):
        if not (PAGES / site_id / "list.html").exists():
            continue
        response = saved(site_id, "list")
        spec = SITES[site_id].list
        found += [(response, q) for q in (spec.detail_links, spec.next_page, spec.section_links) if q]
    return found


def test_the_sample_and_saved_pages_selectors_are_streamable_where_they_read_only_the_path() -> None:
    pages = saved_pages() + sample_pages()
    verdicts = {query: streamable(query) for _, query in pages}
    assert verdicts["div.card a.profile::attr(href)"] and verdicts["ul.sections a::attr(href)"]
    assert not verdicts["xpath://div[@class='pager']/a[contains(., '下一页')]/@href"]  # reads the link's text
    assert not any(map(streamable, ["a::text", "li:nth-child(2) a::attr(href)", "a + a::attr(href)"]))
    assert not any(map(streamable, ["xpath://a[1]/@href", "xpath:(//a)[last()]/@href", "xpath://a[img]/@href"]))


@pytest.mark.parametrize("slice_chars", [7, 100, 4096, 256 * 1024])
def test_streamed_links_are_the_whole_trees(slice_chars: int) -> None:
    awkward = html("http://127.0.0.1:1/list/1.html", AWKWARD.format(tail="<p>尾</p>" * 500).encode())
    pages = saved_pages() + sample_pages() + [(awkward, query) for query in QUERIES]
    compared = 0
    for response, query in pages:
        if not streamable(query):
            continue
        for limit in (1, 3, 10_000):
            expected = tree_links(response, query, limit)
            assert streamed_links(response.text, [query], limit, slice_chars) == [expected], (response.url, query)
        compared += bool(expected)
    assert compared >= 8


def test_a_list_pages_links_are_the_same_streamed() -> None:
    for site_id in sorted(SITES):
        if (PAGES / site_id / "list.html").exists():
            response = saved(site_id, "list")
            for limit in (2, 1000):
                streamed = list_links(response, SITES[site_id], None, limit, stream=True)
                assert streamed == list_links(response, SITES[site_id], None, limit), site_id


READ_BIG_LIST = """
import json, resource, sys
from crawler.config.site_config import SiteConfig
from crawler.extraction.page_reading import PageBytes, read_list
from scrapy.http import HtmlResponse
links = "".join(f"<a class=item href=/many/1-{i}>.</a>" for i in range(240_000))
body = f"<html><body>{links}<a class=next href=/links/2.html>下一页</a>".encode()
site = SiteConfig.model_validate({
    "site_id": "big_list", "name": "大列表", "platform": "tutoring", "start_urls": ["http://127.0.0.1:1/links/1.html"],
    "list": {"detail_links": "a.item::attr(href)", "next_page": "a.next::attr(href)"},
    "detail": {"title": "h1", "body": "div"},
    "politeness": {"obey_robots": False, "robots_override_reason": "test"},
})
page = PageBytes(HtmlResponse, "http://127.0.0.1:1/links/1.html", body, b"text/html; charset=utf-8", None)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
read = read_list(page, site)
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(json.dumps({"details": len(read.details), "more": read.more, "grown_mb": grown / 1024}))
"""


def test_a_huge_list_page_is_read_without_its_whole_tree() -> None:
    """9 MB of 240,000 links: the tree alone was about 190 MB; streamed, the text and a slice's elements."""
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", READ_BIG_LIST], capture_output=True, text=True, cwd=root, timeout=300)
    assert out.returncode == 0, out.stderr
    read = json.loads(out.stdout)
    assert read["details"] == 2000 and read["more"] == ["http://127.0.0.1:1/links/2.html"]
    assert read["grown_mb"] < 80, read


FRAGMENTS = [
    "<a class=item href=",
    "<a class='item x' href='/p?q=1&amp;r=2'>",
    "x",
    "'",
    '"',
    ">",
    "</a>",
    "<ul class=posts>",
    "</ul>",
    "<li>",
    "<!--",
    "-->",
    "<script>",
    "</script>",
    "<p>",
    "<div class=pager>",
    "</div>",
    "字",
    " ",
    "<a class=next href=/n>",
    "<table><tr><td>",
    "<html>",
    "<body>",
]


@settings(max_examples=200)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=60), st.integers(min_value=1, max_value=40))
def test_any_markup_streamed_is_the_whole_trees(parts: list[str], slice_chars: int) -> None:
    response = html("http://127.0.0.1:1/list/1.html", "".join(parts).encode())
    for query in QUERIES[:4]:
        expected = tree_links(response, query, 10_000)
        assert streamed_links(response.text, [query], 10_000, slice_chars) == [expected], query
