"""Incremental crawling: which detail pages to fetch again tonight, and how.

The store knows every page it has fetched: when, and the ETag / Last-Modified the site sent.
A page fetched within its site's revisit interval is not fetched again: the list page still
links it, so its lead counts as seen tonight. A page that a crawl killed earlier tonight had
already stored is not fetched either, nor counted twice, so a restarted crawl continues where
it stopped. An older page is asked for with If-None-Match / If-Modified-Since where the site
gave validators, and a 304 costs no body. A listing's pictures are asked for the same way
(``conditional_headers``; crawler/images/fetching.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from pathlib import Path

from crawler.evidence.warc import Capture
from crawler.leads.queries import open_readonly


class Action(Enum):
    FETCH = "fetch"  # download it (conditionally when headers are given)
    SEEN = "seen"  # fetched recently: count its lead as seen tonight, no request
    RECORDED = "recorded"  # already stored by the interrupted crawl this run resumes: nothing to do


@dataclass(frozen=True)
class Revisit:
    action: Action
    headers: dict[str, str] = field(default_factory=dict)  # conditional request headers for FETCH
    kept: tuple[str, str, str] | None = None  # FETCH of a lead kept as evidence: its fingerprint (lead_values.py)


def validators(page: Capture) -> tuple[str, str]:
    """The ETag and Last-Modified a response came with, for a conditional request next time."""
    headers = {name.lower(): value for name, value in page.headers}
    return headers.get("etag", ""), headers.get("last-modified", "")


def conditional_headers(etag: str, last_modified: str) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from what a response sent last time (pages and pictures alike)."""
    headers = {"If-None-Match": etag, "If-Modified-Since": last_modified}
    return {name: value for name, value in headers.items() if value}


def _when(stamp: str) -> datetime:
    """A stored time as an aware datetime (times written without an offset are local)."""
    return datetime.fromisoformat(stamp).astimezone()


class KnownPages:
    """Read-only view of the store's pages table, for the spider deciding each detail link."""

    def __init__(self, db: Path | None, revisit_hours: float, resume_since: str = "") -> None:
        self.cutoff = datetime.now().astimezone() - timedelta(hours=revisit_hours)
        self.resume_since = _when(resume_since) if resume_since else None
        self.read = open_readonly(db) if db is not None else None

    def decide(self, url: str) -> Revisit:
        row = self.read.page_state(url) if self.read is not None else None
        if row is None or not row[0]:
            return Revisit(Action.FETCH)
        if self.resume_since is not None and _when(row[1]) >= self.resume_since:
            return Revisit(Action.RECORDED)
        if _when(row[0]) >= self.cutoff:
            return Revisit(Action.SEEN)
        kept = self.read.kept_evidence(url) if self.read is not None else None
        return Revisit(Action.FETCH, conditional_headers(row[2], row[3]), kept)

    def first_with(self, site: str, extract_hash: str) -> str | None:
        """The URL of the page of ``site`` first stored with this extraction (crawler/extraction/same_page.py)."""
        return self.read.first_page_with(site, extract_hash) if self.read is not None else None

    def close(self) -> None:
        if self.read is not None:
            self.read.close()
