"""What runs did to leads, counted: new / changed / recurring, verdict outcomes, a per-night trend.

A lead counts once per set of runs, with its strongest outcome (new over changed over
recurring), and under every category it carries; its site, district and categories are the
lead's current ones.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date

from crawler.leads import review
from crawler.leads.store import LeadStore
from crawler.runs.health import site_health
from detectors.categories import CATEGORIES

OUTCOMES = ("new", "changed", "recurring")
LEAD_FIELDS = (  # what the reports show of a lead (not its body or MinHash)
    "lead_id, title, url, site, city, district, categories, matched_text, score, first_seen, last_seen, status,"
    " notes, reviewed_at, evidence_file, evidence_offset, evidence_sha256"
)
VERDICTS = (*review.VERDICTS, "open")  # the analyst's verdicts, and none yet
UNKNOWN = "(未注明)"  # a lead whose page names no district or city


def crawl_runs(store: LeadStore, start: date, end: date) -> list[sqlite3.Row]:
    """The crawl runs started on the days from ``start`` to ``end`` (local dates, inclusive)."""
    return store.conn.execute(
        "SELECT * FROM runs WHERE kind = 'crawl' AND substr(started_at, 1, 10) BETWEEN ? AND ? ORDER BY run_id",
        (start.isoformat(), end.isoformat()),
    ).fetchall()


def run_leads(store: LeadStore, run_ids: Sequence[int]) -> list[dict]:
    """The leads these runs recorded, each once, with its outcome across them."""
    rows = store.conn.execute(
        f"SELECT {LEAD_FIELDS}, was_new, was_changed FROM leads JOIN ("
        " SELECT lead_id, MAX(outcome = 'new') AS was_new, MAX(outcome = 'changed') AS was_changed FROM run_leads"
        " WHERE run_id IN (SELECT value FROM json_each(?)) GROUP BY lead_id) USING (lead_id)"
        " ORDER BY score DESC, lead_id",
        (json.dumps(list(run_ids)),),
    ).fetchall()
    return [
        {**dict(row), "outcome": "new" if row["was_new"] else "changed" if row["was_changed"] else "recurring"}
        for row in rows
    ]


def active_leads(store: LeadStore, start: date, end: date) -> list[dict]:
    """Leads seen at any time in the period (first seen before its end, last seen after its start)."""
    rows = store.conn.execute(
        f"SELECT {LEAD_FIELDS} FROM leads WHERE substr(first_seen, 1, 10) <= ? AND substr(last_seen, 1, 10) >= ?"
        " ORDER BY score DESC, lead_id",
        (end.isoformat(), start.isoformat()),
    ).fetchall()
    return [{**dict(row), "verdict": row["status"] or "open"} for row in rows]


def district(lead: dict) -> str:
    return lead["district"] or lead["city"] or UNKNOWN


def categories(lead: dict) -> list[str]:
    return [c for c in lead["categories"].split(";") if c]


def tally(
    leads: Iterable[dict], keys: Callable[[dict], Iterable[str]], field: str, buckets: Sequence[str]
) -> list[dict]:
    """Rows of {key, label, <bucket>…, total} counting each lead's ``field`` under each of its keys; biggest first."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for lead in leads:
        for key in keys(lead):
            counts[key][lead[field]] += 1
    rows = [
        {"key": key, "label": CATEGORIES.get(key, ""), **{b: c[b] for b in buckets}, "total": sum(c.values())}
        for key, c in counts.items()
    ]
    return sorted(rows, key=lambda row: (-row["total"], row["key"]))


def breakdown(leads: list[dict], field: str, buckets: Sequence[str]) -> dict[str, list[dict]]:
    """The same tally by category, site and district."""
    return {
        "by_category": tally(leads, categories, field, buckets),
        "by_site": tally(leads, lambda lead: [lead["site"]], field, buckets),
        "by_district": tally(leads, lambda lead: [district(lead)], field, buckets),
    }


def totals(leads: list[dict], field: str, buckets: Sequence[str]) -> dict[str, int]:
    counted = Counter(lead[field] for lead in leads)
    return {b: counted[b] for b in buckets} | {"total": len(leads)}


def outcome_totals(store: LeadStore, run_ids: Sequence[int]) -> dict[str, int]:
    """Leads new / changed / recurring over these runs (each lead once, strongest outcome), in SQL."""
    row = store.conn.execute(
        "SELECT COALESCE(SUM(n), 0) AS new, COALESCE(SUM(c AND NOT n), 0) AS changed,"
        " COALESCE(SUM(NOT n AND NOT c), 0) AS recurring, COUNT(*) AS total FROM ("
        " SELECT MAX(outcome = 'new') AS n, MAX(outcome = 'changed') AS c FROM run_leads"
        " WHERE run_id IN (SELECT value FROM json_each(?)) GROUP BY lead_id)",
        (json.dumps(list(run_ids)),),
    ).fetchone()
    return dict(row)


def trend(store: LeadStore, start: date, end: date) -> list[dict]:
    """One row per day with crawl runs: leads new / changed / recurring that night, listings, failed sites."""
    runs_by_day: dict[str, list[int]] = defaultdict(list)
    for run in crawl_runs(store, start, end):
        runs_by_day[run["started_at"][:10]].append(run["run_id"])
    nights = []
    for day, run_ids in sorted(runs_by_day.items()):
        health = [h for run_id in run_ids for h in site_health(store, run_id)]
        nights.append(
            {
                "date": day,
                **outcome_totals(store, run_ids),
                "listings": sum(h.listings for h in health),
                "failed_sites": sum(h.health == "failed" for h in health),
            }
        )
    return nights
