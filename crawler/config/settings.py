"""Scrapy settings for every TutorWatch crawl; our own settings are named TUTORWATCH_*."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from crawler.fetching.addresses import download_handlers
from crawler.fetching.meta_refresh import DOWNLOADER_MIDDLEWARES as META_REFRESH
from crawler.fetching.page_limit import EXTENSIONS as PAGE_LIMIT
from crawler.fetching.rendering import MIDDLEWARE as RENDER_MIDDLEWARE
from detectors.engine import EngineConfig

COLLECTOR = {"crawler.runs.collector.CollectorTuning": 0}
ENGINE_SETTING = "TUTORWATCH_ENGINE"  # the EngineConfig the detect pipeline builds its engine from
PIPELINES = {
    "crawler.pipelines.validate.ValidatePipeline": 100,
    "crawler.pipelines.field_counts.FieldCountsPipeline": 150,
    "crawler.pipelines.detect.DetectPipeline": 200,
    "crawler.pipelines.store.StorePipeline": 300,
}


def user_agent(contact: str) -> str:
    """Who is crawling and how to reach them (TUTORWATCH_CONTACT: the bureau's phone or mail)."""
    return f"TutorWatch/0.1 (education-bureau check of off-campus tutoring ads; contact: {contact or 'not set'})"


def base_settings(log_file: Path | None, contact: str = "") -> dict[str, Any]:
    """What every crawling process shares (single process, scale-out worker): politeness, retries, log.

    Scrapy's log goes to ``log_file`` (stderr when None, i.e. --verbose). Only http(s) is fetched,
    to public addresses unless a site config names the host (crawler/fetching/addresses.py), with
    the response headers capped (crawler/fetching/header_limit.py); cookies are off unless a site
    opts in (``cookies: true``), so one site cannot plant what is sent back to it. No process
    listens on a port: Scrapy's telnet console and its remote-control HTTP server (on by default
    since 2.19, it runs Python sent to it) are off.
    """
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
    return {
        "BOT_NAME": "tutorwatch",
        "USER_AGENT": user_agent(contact),
        "ROBOTSTXT_OBEY": True,
        "AUTOTHROTTLE_ENABLED": True,
        "DOWNLOAD_HANDLERS": download_handlers(),
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "DOWNLOADER_MIDDLEWARES": {
            "crawler.fetching.addresses.AddressGuard": 60,  # after the off-site filter (50), before robots.txt
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "crawler.fetching.backoff.BackoffRetryMiddleware": 550,
            "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
            "crawler.fetching.robots.StrictRobotsTxtMiddleware": 100,
            **RENDER_MIDDLEWARE,  # a rendered request's plan → scrapy-playwright page methods
            **META_REFRESH,  # read from a long page's head only
        },
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "DOWNLOAD_TIMEOUT": 30,
        "DOWNLOAD_MAXSIZE": 10 * 1024 * 1024,
        "RETRY_TIMES": 2,
        "CONCURRENT_REQUESTS": 8,
        "CONCURRENT_ITEMS": 4,  # the default 100 starts 100 asyncio tasks per response: 1.6x slower (bench)
        "LOG_LEVEL": "INFO",
        "LOG_FILE": str(log_file) if log_file else None,
    }


def scrapy_settings(
    db: Path, run_id: int, log_file: Path | None, engine: EngineConfig, contact: str = "", resume_since: str = ""
) -> dict[str, Any]:
    """Settings for one run that stores into ``db`` itself, detecting with the engine ``engine`` configures.

    ``resume_since``: start time of an interrupted crawl this run continues (see crawler/fetching/revisit.py).
    """
    return {
        **base_settings(log_file, contact),
        "ITEM_PIPELINES": PIPELINES,
        "LOG_FORMATTER": "crawler.runs.item_log.ItemLogFormatter",  # no per-item DEBUG line built unless logged
        "EXTENSIONS": {
            "crawler.runs.run_record.RunRecorder": 500,
            "crawler.runs.progress.Progress": 510,
            **COLLECTOR,  # the garbage collector set for Scrapy's churn (crawler/runs/collector.py)
            **PAGE_LIMIT,  # politeness.max_pages counts pages, not pictures
        },
        ENGINE_SETTING: engine,
        "TUTORWATCH_DB": str(db),
        "TUTORWATCH_RUN_ID": run_id,
        "TUTORWATCH_RESUME_SINCE": resume_since,
        "TUTORWATCH_PROGRESS": log_file is not None and sys.stderr.isatty(),  # live table; a log file otherwise
    }
