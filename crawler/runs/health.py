"""Did a night go wrong? Each site's finish reason and listings, judged against its previous runs.

Scrapy can end with exit code 0 and nothing collected (a download handler that failed to load, a
middleware the installed Scrapy rejects, a site whose markup changed under our selectors), so
the verdict comes from what each site recorded in run_sites, never from the process's exit.
"""

from __future__ import annotations

import sqlite3
import statistics
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from crawler.leads.store import LeadStore

HISTORY = 7  # earlier runs of the same kind a site is compared with
NOT_STARTED = "not started"  # the finish reason recorded for a site whose spider never reported an end
CAPPED = "closespider_pagecount"  # the site's politeness.max_pages was reached: deliberate, but worth a look


@dataclass(frozen=True)
class SiteHealth:
    site: str
    pages: int
    listings: int
    errors: int
    finish_reason: str
    usual: int  # median listings of the site's earlier runs that yielded any (0: it never yielded before)
    health: str  # ok | low | failed
    problem: str  # why it is not ok, for the terminal and the morning report

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def judge(row: sqlite3.Row | dict, history: list[int]) -> SiteHealth:
    """One site's health this run, given its listings on earlier runs (newest first)."""
    yielded = [n for n in history if n > 0]
    usual = int(statistics.median(yielded)) if yielded else 0
    listings, reason = row["listings"], row["finish_reason"]
    if reason == NOT_STARTED:
        health, problem = "failed", "the spider never reported an end (failed to start? see the log)"
    elif listings == 0 and usual:
        health, problem = "failed", f"yielded {usual} listings on earlier nights, none now: broken selectors, a block?"
    elif listings == 0:
        health, problem = "failed", "no listings (wrong start URL, selectors or a block?)"
    elif reason == CAPPED:
        health, problem = "low", "stopped at politeness.max_pages: raise it if the site has more"
    elif reason != "finished":
        health, problem = "failed", f"finished with '{reason}' instead of 'finished'"
    elif listings < usual / 2:
        health, problem = "low", f"{listings} listings, usually {usual}: part of the site may have stopped yielding"
    else:
        health, problem = "ok", ""
    return SiteHealth(row["site"], row["pages"], listings, row["errors"], reason, usual, health, problem)


def record_missing(store: LeadStore, run_id: int, expected: Iterable[str]) -> None:
    """Give every expected site a row: one whose spider never closed is recorded as NOT_STARTED."""
    recorded = {row["site"] for row in store.site_results(run_id)}
    for site in expected:
        if site not in recorded:
            store.record_site(run_id, site, pages=0, listings=0, errors=0, reason=NOT_STARTED)


def site_health(store: LeadStore, run_id: int) -> list[SiteHealth]:
    """Every site of a run, judged against its last HISTORY runs of the same kind."""
    judged = []
    for row in store.site_results(run_id):
        judged.append(judge(row, store.read.site_history(row["site"], run_id, HISTORY)))
    return judged


def run_status(health: list[SiteHealth]) -> str:
    """'ok' (no site failed), 'partial' (some did) or 'failed' (all did, or none ran)."""
    failed = sum(h.health == "failed" for h in health)
    return "failed" if failed == len(health) else "partial" if failed else "ok"
