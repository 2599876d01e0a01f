"""``rescan``: every stored lead through today's engine, and what that changes — the verdicts left alone.

After a rule change or a new model, the analyst needs to know which leads today's engine would
no longer flag, which it now flags, and whose categories moved. Each lead is analysed again from
the fields the store kept (title, body, publisher, contact, platform) and the text of its
pictures from the image cache (crawler/leads/image_cache.py), exactly as a crawl would analyse the
page. Unless it is a dry run, the new analysis and its stamp replace the stored one (the
verdict, notes and evidence stay), and a lead whose findings changed counts as changed today,
as after a crawl.
"""

from __future__ import annotations

import sqlite3
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field

from crawler.analysis.pool import analyze_batch, run_tasks
from crawler.leads.image_cache import ImageCache
from crawler.leads.lead_values import analysis_columns
from crawler.leads.store import LeadStore
from detectors.engine import EngineConfig
from detectors.image_part import with_images
from detectors.models import Analysis, Document

KINDS = {
    "new": "flagged now, not before",
    "dropped": "flagged before, not now",
    "categories": "categories changed",
    "rules": "rules changed, same categories",
    "unchanged": "same categories and rules",
}


@dataclass(frozen=True)
class Change:
    lead_id: str
    kind: str  # a key of KINDS
    before: str  # categories before ('' when not flagged)
    after: str


@dataclass
class RescanReport:
    stamp: str = ""
    leads: int = 0
    counts: Counter = field(default_factory=Counter)
    stamps_before: Counter = field(default_factory=Counter)
    changes: list[Change] = field(default_factory=list)


def lead_document(row: sqlite3.Row) -> Document:
    return Document(row["title"], row["body"], row["platform"], row["publisher"], row["contact"])


def change_of(row: sqlite3.Row, analysis: Analysis) -> Change:
    columns = analysis_columns(analysis)
    before = row["categories"] if row["flagged"] else ""
    after = columns["categories"] if analysis.flagged else ""
    if bool(row["flagged"]) != analysis.flagged:
        kind = "new" if analysis.flagged else "dropped"
    elif row["categories"] != columns["categories"]:
        kind = "categories"
    elif row["rules"] != columns["rules"]:
        kind = "rules"
    else:
        kind = "unchanged"
    return Change(row["lead_id"], kind, before, after)


def rescan(store: LeadStore, config: EngineConfig, jobs: int = 1, dry_run: bool = False) -> RescanReport:
    """Every lead analysed by the engine of ``config`` (in ``jobs`` processes), stored unless ``dry_run``."""
    report = RescanReport()
    waiting: deque[list[sqlite3.Row]] = deque()

    cache = ImageCache(store.conn)

    def documents() -> Iterator[list[Document]]:
        for rows in store.read.stored_leads():
            waiting.append(rows)
            pictures = cache.lead_pictures([row["lead_id"] for row in rows])  # read from the cache, never again
            yield [with_images(lead_document(row), pictures.get(row["lead_id"], [])) for row in rows]

    for analyses in run_tasks(config, jobs, analyze_batch, documents()):
        rows = waiting.popleft()
        for row, analysis in zip(rows, analyses, strict=True):
            report.stamp = str(analysis.stamp)
            report.leads += 1
            report.stamps_before[row["stamp"] or "(none: analysed before stamps)"] += 1
            change = change_of(row, analysis)
            report.counts[change.kind] += 1
            if change.kind != "unchanged":
                report.changes.append(change)
            if not dry_run:
                store.reanalysed(row, analysis)
    store.commit()
    return report
