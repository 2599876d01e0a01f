"""One Scrapy process per CLI call (the Twisted reactor cannot be restarted in one process)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess

from crawler.leads.export import export_store
from crawler.leads.store import LeadStore
from crawler.settings import scrapy_settings


@dataclass(frozen=True)
class RunOutcome:
    sites: list  # one health row per site: pages, listings, errors, finish_reason
    leads: int  # leads in reports/leads.csv
    todays: int  # leads new or changed today


def run(
    kind: str,
    spiders: list[tuple[type, dict[str, Any]]],
    db: Path,
    reports_dir: Path,
    verbose: bool,
    contact: str = "",
) -> RunOutcome:
    """Record a run, crawl with the given spider classes, then export the leads.

    A run of the same kind that never finished (the process was killed) is continued: pages it
    stored are not fetched again. Scrapy's log goes to reports/logs/<kind>-<date>.log, or to
    stderr with ``verbose``.
    """
    with LeadStore(db) as store:
        resume_since = store.interrupted_run(kind)
        run_id = store.start_run(kind)
    log_file = None if verbose else reports_dir / "logs" / f"{kind}-{date.today().isoformat()}.log"
    process = CrawlerProcess(scrapy_settings(db, run_id, log_file, contact, resume_since))
    for spider_cls, kwargs in spiders:
        process.crawl(spider_cls, **kwargs)
    process.start()
    with LeadStore(db) as store:
        sites = store.site_results(run_id)
        failed = [row for row in sites if row["listings"] == 0]
        status = "failed" if sites and len(failed) == len(sites) else "partial" if failed else "ok"
        store.finish_run(run_id, status)
        if status == "failed":  # nothing came in: the reports stay as they were
            return RunOutcome(sites, store.conn.execute("SELECT count(*) FROM leads").fetchone()[0], 0)
        leads, todays = export_store(store, reports_dir)
    return RunOutcome(sites, leads, todays)
