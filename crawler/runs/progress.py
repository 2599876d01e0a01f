"""Scrapy extension: live progress per site (pages, listings, leads, errors) at an interactive terminal.

Every site is its own crawler in one process, so one shared board holds a rich Live table on
stderr for all of them, refreshed from their stats on a reactor timer (no thread). Enabled by
TUTORWATCH_PROGRESS (settings.py: stderr is a terminal and the log goes to a file); a run
without a terminal logs plainly to reports/logs/ instead.
"""

from __future__ import annotations

from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.table import Table
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet.task import LoopingCall

from crawler.runs.run_record import site_counts

REFRESH_SECONDS = 0.5
COLUMNS = ("pages", "listings", "leads", "errors")


class Board:
    """The one Live table of a process: it starts when the first site opens and stops when the last closes."""

    def __init__(self) -> None:
        self.crawlers: dict[str, Crawler] = {}
        self.states: dict[str, str] = {}
        self.live: Live | None = None
        self.timer: LoopingCall | None = None  # made when the first site opens, on the reactor Scrapy installed

    def table(self) -> Table:
        table = Table(title="TutorWatch crawl")
        for column in ("site", *COLUMNS, "state"):
            table.add_column(column, justify="left" if column in ("site", "state") else "right")
        for name, crawler in sorted(self.crawlers.items()):
            counts = site_counts(crawler.stats.get_stats() if crawler.stats else {})
            state = self.states[name]
            style = "" if state in ("waiting", "running", "finished") else "red"
            table.add_row(escape(name), *(str(counts[c]) for c in COLUMNS), escape(state), style=style)
        return table

    def refresh(self) -> None:
        if self.live is not None:
            self.live.update(self.table(), refresh=True)

    def expect(self, name: str, crawler: Crawler) -> None:
        self.crawlers[name] = crawler
        self.states[name] = "waiting"

    def opened(self, name: str) -> None:
        self.states[name] = "running"
        if self.live is None:
            self.live = Live(self.table(), console=Console(stderr=True), auto_refresh=False)
            self.live.start()
            self.timer = LoopingCall(self.refresh)
            self.timer.start(REFRESH_SECONDS, now=False)

    def closed(self, name: str, reason: str) -> None:
        self.states[name] = reason
        self.refresh()
        if self.live is not None and not {"waiting", "running"} & set(self.states.values()):
            if self.timer is not None and self.timer.running:
                self.timer.stop()
            self.live.stop()
            self.live = None


BOARD = Board()


class Progress:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Progress:
        if not crawler.settings.getbool("TUTORWATCH_PROGRESS"):
            raise NotConfigured
        extension = cls(crawler)
        BOARD.expect(crawler.spidercls.name, crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        BOARD.opened(spider.name)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        BOARD.closed(spider.name, reason)
