"""Scrapy's per-item "Scraped from" line: built only when the crawl logs DEBUG."""

from __future__ import annotations

import logging

from scrapy import Spider
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.config.settings import scrapy_settings
from crawler.runs.item_log import ItemLogFormatter
from detectors.engine import EngineConfig


def _line(level: str | int) -> object:
    formatter = ItemLogFormatter.from_crawler(get_crawler(Spider, {"LOG_LEVEL": level}))
    response = HtmlResponse("http://127.0.0.1/a.html", body=b"<html></html>")
    return formatter.scraped({"title": "x"}, response, Spider("s"))


def test_the_item_line_is_made_only_when_the_log_keeps_debug() -> None:
    assert _line("INFO") is None
    assert _line(logging.WARNING) is None
    for level in ("DEBUG", logging.DEBUG):
        line = _line(level)
        assert isinstance(line, dict) and line["level"] == logging.DEBUG and "Scraped from" in line["msg"]


def test_the_crawl_uses_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = scrapy_settings(tmp_path / "leads.db", 1, None, EngineConfig())
    assert settings["LOG_FORMATTER"] == "crawler.runs.item_log.ItemLogFormatter"
    assert get_crawler(Spider, settings).logformatter.__class__ is ItemLogFormatter
