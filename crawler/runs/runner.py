"""One Scrapy process per CLI call (the Twisted reactor cannot be restarted in one process)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess

from crawler.config.settings import scrapy_settings
from crawler.leads.export import ExportSettings, export_store
from crawler.leads.store import LeadStore
from crawler.runs.health import SiteHealth, record_missing, run_status, site_health
from crawler.runs.heap import keep_big_blocks_mapped
from detectors.engine import EngineConfig


@dataclass(frozen=True)
class RunOutcome:
    run_id: int
    status: str  # ok | partial | failed, as judged by crawler.runs.health
    sites: list[SiteHealth]  # one health row per site: pages, listings, errors, finish reason, verdict
    leads: int  # leads in reports/leads.csv
    todays: int  # leads new or changed today
    workbook: Path | None = None  # the analyst's new workbook, when the run wrote one


def log_path(reports_dir: Path, kind: str, verbose: bool) -> Path | None:
    """reports/logs/<kind>-<date>.log, or None (stderr) with ``verbose``."""
    return None if verbose else reports_dir / "logs" / f"{kind}-{date.today().isoformat()}.log"


def run(
    kind: str,
    spiders: list[tuple[type, dict[str, Any]]],
    db: Path,
    reports_dir: Path,
    verbose: bool,
    contact: str,
    engine: EngineConfig,
    resume: bool = False,
    export: ExportSettings | None = None,
) -> RunOutcome:
    """Record a run, crawl with the given spider classes, judge each site's health, then export the leads.

    With ``resume`` (the nightly crawl, which holds the crawl lock), a run of the same kind that
    never finished (the process was killed) is continued: pages it stored are not fetched again.
    Scrapy's log goes to reports/logs/<kind>-<date>.log, or to stderr with ``verbose``. ``export``
    says how the leads files are written afterwards (the nightly crawl gives the analyst a new workbook).
    """
    keep_big_blocks_mapped()  # a big page's body, its pickle and its copies unmapped when freed (crawler/runs/heap.py)
    with LeadStore(db) as store:
        resume_since = store.interrupted_run(kind) if resume else ""
        run_id = store.start_run(kind)
    log_file = log_path(reports_dir, kind, verbose)
    process = CrawlerProcess(scrapy_settings(db, run_id, log_file, engine, contact, resume_since))
    for spider_cls, kwargs in spiders:
        process.crawl(spider_cls, **kwargs)
    process.start()
    return finish(db, run_id, reports_dir, [spider_cls.name for spider_cls, _ in spiders], export)


def finish(
    db: Path, run_id: int, reports_dir: Path, expected: list[str], export: ExportSettings | None = None
) -> RunOutcome:
    """Close the run with a status from the ``expected`` sites' rows, then write the leads files."""
    with LeadStore(db) as store:
        record_missing(store, run_id, expected)
        sites = site_health(store, run_id)
        status = run_status(sites)
        store.finish_run(run_id, status)
        if status == "failed":  # nothing came in: the reports stay as they were
            return RunOutcome(run_id, status, sites, store.read.lead_count(), 0)
        exported = export_store(store, reports_dir, settings=export)
    return RunOutcome(run_id, status, sites, exported.total, exported.todays, exported.workbook)
