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

from crawler.health import site_health
from crawler.leads.store import LeadStore
from detectors.categories import CATEGORIES

OUTCOMES = ("new", "changed", "recurring")
VERDICTS = ("confirmed", "dismissed", "investigating", "open")
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
        "SELECT l.*, MAX(rl.outcome = 'new') AS was_new, MAX(rl.outcome = 'changed') AS was_changed"
        " FROM run_leads rl JOIN leads l USING (lead_id)"
        " WHERE rl.run_id IN (SELECT value FROM json_each(?)) GROUP BY l.lead_id ORDER BY l.score DESC, l.lead_id",
        (json.dumps(list(run_ids)),),
    ).fetchall()
    return [
        {**dict(row), "outcome": "new" if row["was_new"] else "changed" if row["was_changed"] else "recurring"}
        for row in rows
    ]


def active_leads(store: LeadStore, start: date, end: date) -> list[dict]:
    """Leads seen at any time in the period (first seen before its end, last seen after its start)."""
    rows = store.conn.execute(
        "SELECT * FROM leads WHERE substr(first_seen, 1, 10) <= ? AND substr(last_seen, 1, 10) >= ?"
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


def trend(store: LeadStore, start: date, end: date) -> list[dict]:
    """One row per day with crawl runs: leads new / changed / recurring that night, listings, failed sites."""
    per_day = {
        row["day"]: dict(row)
        for row in store.conn.execute(
            "WITH per AS (SELECT substr(r.started_at, 1, 10) AS day, rl.lead_id,"
            " MAX(rl.outcome = 'new') AS n, MAX(rl.outcome = 'changed') AS c"
            " FROM run_leads rl JOIN runs r USING (run_id)"
            " WHERE r.kind = 'crawl' AND substr(r.started_at, 1, 10) BETWEEN ? AND ? GROUP BY day, rl.lead_id)"
            " SELECT day, SUM(n) AS new, SUM(c AND NOT n) AS changed, SUM(NOT n AND NOT c) AS recurring,"
            " COUNT(*) AS total FROM per GROUP BY day",
            (start.isoformat(), end.isoformat()),
        )
    }
    health_by_day: dict[str, list] = defaultdict(list)
    for run in crawl_runs(store, start, end):
        health_by_day[run["started_at"][:10]] += site_health(store, run["run_id"])
    empty = dict.fromkeys((*OUTCOMES, "total"), 0)
    return [
        {
            "date": day,
            **{key: per_day.get(day, empty)[key] for key in empty},
            "listings": sum(h.listings for h in health),
            "failed_sites": sum(h.health == "failed" for h in health),
        }
        for day, health in sorted(health_by_day.items())
    ]
