"""How the site spider asks for list pages: JSON API pages (GET or POST, headers, the paginate
parameter set) and the wait plan of rendered pages. Kept apart so ``sites test`` asks the same way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import scrapy
from scrapy.http import FormRequest, JsonRequest
from w3lib.url import add_or_replace_parameter

from crawler.config.site_config import ListPages, Paginate, SiteConfig
from crawler.extraction.api_pages import next_value, parse_stop
from crawler.extraction.json_path import with_value
from crawler.fetching.render_wait import WaitPlan, browser_selector

FIRST = object()  # the paginate's start value (none for a cursor API's first page)


def api_request(
    spec: ListPages, url: str, value: Any, meta: dict[str, Any], callback: Callable, errback: Callable
) -> scrapy.Request:
    """A JSON API page: ``url`` (the start URL) with the paginate parameter set to ``value`` in its
    query (GET) or its body (POST), and the config's headers."""
    paginate = spec.paginate
    if value is FIRST:
        value = paginate.start if paginate is not None and paginate.by != "cursor" else None
    body = dict(spec.body or {})
    target = url
    if paginate is not None and value is not None:
        if spec.method == "POST":
            body = with_value(body, paginate.param, value)
        else:
            target = add_or_replace_parameter(url, paginate.param, str(value))
    meta = {**meta, "api_base": url, "api_value": value}
    kwargs: dict[str, Any] = {"headers": dict(spec.headers), "meta": meta, "callback": callback, "errback": errback}
    if spec.method == "GET":
        return scrapy.Request(target, **kwargs)
    if spec.body_format == "form":
        return FormRequest(target, formdata={k: str(v) for k, v in body.items()}, **kwargs)
    return JsonRequest(target, data=body, method="POST", **kwargs)


def next_api_value(paginate: Paginate, current: Any, doc: Any, items: int) -> Any:
    """The paginate parameter of the page after this one, or None (crawler/extraction/api_pages.py)."""
    stop = parse_stop(paginate.stop, paginate.by)
    if current is None and paginate.by != "cursor":
        current = paginate.start
    return next_value(paginate.by, paginate.step, paginate.cursor, stop, current, doc, items)


def wait_plan(site: SiteConfig, page: Literal["lists", "details"]) -> WaitPlan:
    """What a rendered page waits for: its list's links (or list.wait_for), or a detail page's title."""
    spec = site.list
    if page == "details":
        return WaitPlan(browser_selector(site.detail.title), int(spec.wait_timeout * 1000))
    selector = spec.wait_for or spec.detail_links or "body"
    more = spec.click_more
    return WaitPlan(
        selector=browser_selector(selector),
        timeout_ms=int(spec.wait_timeout * 1000),
        idle_ends=spec.idle_ends_wait,
        scroll=spec.scroll,
        click_more=browser_selector(more.selector) if more else "",
        click_limit=more.limit if more else 0,
    )
