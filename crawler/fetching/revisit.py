"""Incremental crawling: which detail pages to fetch again tonight, and how.

The store knows every page it has fetched: when, and the ETag / Last-Modified the site sent.
A page fetched within its site's revisit interval is not fetched again: the list page still
links it, so its lead counts as seen tonight. A page that a crawl killed earlier tonight had
already stored is not fetched either, nor counted twice, so a restarted crawl continues where
it stopped. An older page is asked for with If-None-Match / If-Modified-Since where the site
gave validators, and a 304 costs no body.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from pathlib import Path


class Action(Enum):
    FETCH = "fetch"  # download it (conditionally when headers are given)
    SEEN = "seen"  # fetched recently: count its lead as seen tonight, no request
    RECORDED = "recorded"  # already stored by the interrupted crawl this run resumes: nothing to do


@dataclass(frozen=True)
class Revisit:
    action: Action
    headers: dict[str, str] = field(default_factory=dict)  # conditional request headers for FETCH


def _when(stamp: str) -> datetime:
    """A stored time as an aware datetime (times written without an offset are local)."""
    return datetime.fromisoformat(stamp).astimezone()


class KnownPages:
    """Read-only view of the store's pages table, for the spider deciding each detail link."""

    def __init__(self, db: Path | None, revisit_hours: float, resume_since: str = "") -> None:
        self.cutoff = datetime.now().astimezone() - timedelta(hours=revisit_hours)
        self.resume_since = _when(resume_since) if resume_since else None
        self.conn: sqlite3.Connection | None = None
        if db is not None and db.exists():
            self.conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, check_same_thread=False)

    def decide(self, url: str) -> Revisit:
        row = None
        if self.conn is not None:
            row = self.conn.execute(
                "SELECT fetched_at, last_seen, etag, last_modified FROM pages WHERE url = ?", (url,)
            ).fetchone()
        if row is None or not row[0]:
            return Revisit(Action.FETCH)
        if self.resume_since is not None and _when(row[1]) >= self.resume_since:
            return Revisit(Action.RECORDED)
        if _when(row[0]) >= self.cutoff:
            return Revisit(Action.SEEN)
        headers = {"If-None-Match": row[2], "If-Modified-Since": row[3]}
        return Revisit(Action.FETCH, {name: value for name, value in headers.items() if value})

    def first_with(self, site: str, extract_hash: str) -> str | None:
        """The URL of the page of ``site`` first stored with this extraction (crawler/extraction/same_page.py)."""
        if self.conn is None:
            return None
        try:
            row = self.conn.execute(
                "SELECT url FROM pages WHERE site = ? AND extract_hash = ? ORDER BY first_seen, rowid LIMIT 1",
                (site, extract_hash),
            ).fetchone()
        except sqlite3.OperationalError:  # a store not migrated yet (the crawl migrates it when it opens it)
            return None
        return row[0] if row else None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
