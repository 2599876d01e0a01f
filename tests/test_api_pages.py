"""The paginate grammar and the config rules of the new list formats, without a crawl."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.config.site_config import load_site
from crawler.errors import ConfigError
from crawler.extraction.api_pages import Stop, next_value, parse_stop
from crawler.extraction.extract import item_url
from crawler.fetching.render_wait import browser_selector
from crawler.spiders.list_requests import wait_plan


@pytest.mark.parametrize(
    ("rule", "by", "stop"),
    [
        ("empty items", "page", Stop("empty")),
        ("has_more == false", "page", Stop("equals", "has_more", False)),
        ("data.code != 0", "cursor", Stop("differs", "data.code", 0)),
        ('data.status == "end"', "page", Stop("equals", "data.status", "end")),
        ("page > data.pages", "page", Stop("last_page", "data.pages")),
        ("offset >= data.total", "offset", Stop("total", "data.total")),
        ("total_pages", "page", Stop("last_page", "total_pages")),
        ("data.count", "offset", Stop("total", "data.count")),
    ],
)
def test_stop_rules_parse(rule: str, by: str, stop: Stop) -> None:
    assert parse_stop(rule, by) == stop


@pytest.mark.parametrize(
    ("rule", "by"),
    [
        ("has_more == nope", "page"),
        ("__import__('os').system('x')", "page"),
        ("offset >= data.total", "page"),
        ("total_pages", "cursor"),
        ("has_more and total", "page"),
    ],
)
def test_other_rules_are_refused(rule: str, by: str) -> None:
    with pytest.raises(ValueError, match="stop"):
        parse_stop(rule, by)


def test_next_values() -> None:
    last = parse_stop("page > data.pages", "page")
    assert next_value("page", 1, None, last, 1, {"data": {"pages": 3}}, 10) == 2
    assert next_value("page", 1, None, last, 3, {"data": {"pages": 3}}, 10) is None
    assert next_value("page", 1, None, last, 3, {"data": {"pages": 3}}, 0) is None, "no items always ends it"
    flag = parse_stop("hasMore == false", "page")
    assert next_value("page", 1, None, flag, 4, {"hasMore": 0}, 10) is None, "0 reads as false"
    total = parse_stop("offset >= total", "offset")
    assert next_value("offset", 20, None, total, 40, {"total": 61}, 20) == 60
    assert next_value("offset", 20, None, total, 60, {"total": 61}, 1) is None
    cursor = parse_stop("empty items", "cursor")
    assert next_value("cursor", 1, "next", cursor, None, {"next": "abc"}, 5) == "abc"
    assert next_value("cursor", 1, "next", cursor, "abc", {"next": "abc"}, 5) is None, "a repeated cursor ends it"
    assert next_value("cursor", 1, "next", cursor, "abc", {"next": ""}, 5) is None


def test_item_urls_and_browser_selectors() -> None:
    assert item_url("/aunt/{auntId}", {"auntId": "a b/1"}, "http://h/api") == "http://h/aunt/a%20b%2F1"
    assert item_url("{share.url}", {"share": {"url": "/n/1?x=1"}}, "http://h/api") == "http://h/n/1?x=1"
    assert item_url("/aunt/{auntId}", {"name": "x"}, "http://h/api") is None
    assert (
        browser_selector("ul.posts a.post-link::attr(href), aside a::attr(href)") == "css=ul.posts a.post-link, aside a"
    )
    assert browser_selector("xpath://div[@class='pager']/a/@href") == "xpath=//div[@class='pager']/a"


DETAIL = "detail: {title: h1, body: p}\n"
BASE = """name: x
platform: recruitment
start_urls: [http://127.0.0.1:1/api]
"""


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("list: {detail_links: a, scroll: 3}\ndetail: {title: h1, body: p}\n", "need render: lists"),
        ("list: {format: json, items: 'data.list[]'}\ndetail: {source: items, title: t, body: b}\n", "item_url"),
        ("list: {format: json, detail_links: 'a b'}\ndetail: {title: h1, body: p}\n", "dotted path"),
        (
            "list: {format: json, detail_links: a, paginate: {param: p, stop: 'x ~ 1'}}\n" + DETAIL,
            "stop",
        ),
        (
            "list: {format: json, detail_links: a, paginate: {param: c, by: cursor}}\ndetail: {title: h1, body: p}\n",
            "cursor",
        ),
        ("list: {detail_links: a, method: POST}\ndetail: {title: h1, body: p}\n", "format: json"),
        ("list: {format: json, detail_links: a, body: {x: 1}}\ndetail: {title: h1, body: p}\n", "method: POST"),
        ("list: {format: sitemap, detail_links: '(', next_page: a}\ndetail: {title: h1, body: p}\n", "sitemap"),
        ("list: {next_page: a}\ndetail: {title: h1, body: p}\n", "detail_links is required"),
    ],
)
def test_config_mistakes_are_named(tmp_path: Path, body: str, words: str) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(BASE + body, encoding="utf-8")
    with pytest.raises(ConfigError, match=words) as err:
        load_site(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_a_rendered_list_waits_for_wait_for_else_its_links(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    listing = "render: lists\nlist: {detail_links: 'ul a.job::attr(href)', scroll: 2, wait_timeout: 3"
    path.write_text(BASE + listing + "}\n" + DETAIL, encoding="utf-8")
    plan = wait_plan(load_site(path), "lists")
    assert (plan.selector, plan.timeout_ms, plan.idle_ends, plan.scroll) == ("css=ul a.job", 3000, True, 2)
    path.write_text(BASE + listing + ", wait_for: 'div#pager', idle_ends_wait: false}\n" + DETAIL, encoding="utf-8")
    plan = wait_plan(load_site(path), "lists")
    assert (plan.selector, plan.idle_ends) == ("css=div#pager", False)
    assert wait_plan(load_site(path), "details").selector == "css=h1"
