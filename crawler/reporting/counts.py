"""What runs did to leads, counted: new / changed / recurring, verdict outcomes, a per-night trend.

A lead counts once per set of runs, with its strongest outcome (new over changed over
recurring), and under every category it carries; its site, district and categories are the
lead's current ones. Every tally row carries its id (``key``, for tools) and the name people
read (``label``: the category's Chinese name, the site's configured name, the district).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date

from crawler.leads.store import LeadStore
from crawler.leads.wording import DECIDED, UNKNOWN_PLACE, category_name
from crawler.runs.health import site_health

OUTCOMES = ("new", "changed", "recurring")
VERDICTS = (*DECIDED, "open")  # the analyst's verdicts, and none yet
UNKNOWN = UNKNOWN_PLACE


def run_leads(store: LeadStore, run_ids: Sequence[int]) -> list[dict]:
    """The leads these runs recorded, each once, with its outcome across them."""
    return [
        {**dict(row), "outcome": "new" if row["was_new"] else "changed" if row["was_changed"] else "recurring"}
        for row in store.read.run_leads(run_ids)
    ]


def active_leads(store: LeadStore, start: date, end: date) -> list[dict]:
    """Leads seen at any time in the period (first seen before its end, last seen after its start)."""
    rows = store.read.active_leads(start.isoformat(), end.isoformat())
    return [{**dict(row), "verdict": row["status"] or "open"} for row in rows]


def district(lead: dict) -> str:
    return lead["district"] or lead["city"] or UNKNOWN


def categories(lead: dict) -> list[str]:
    return [c for c in lead["categories"].split(";") if c]


def tally(
    leads: Iterable[dict],
    keys: Callable[[dict], Iterable[str]],
    field: str,
    buckets: Sequence[str],
    name: Callable[[str], str] = str,
) -> list[dict]:
    """Rows of {key, label, <bucket>…, total} counting each lead's ``field`` under each of its keys; biggest first."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for lead in leads:
        for key in keys(lead):
            counts[key][lead[field]] += 1
    rows = [
        {"key": key, "label": name(key), **{b: c[b] for b in buckets}, "total": sum(c.values())}
        for key, c in counts.items()
    ]
    return sorted(rows, key=lambda row: (-row["total"], row["key"]))


def breakdown(
    leads: list[dict], field: str, buckets: Sequence[str], site_names: dict[str, str] | None = None
) -> dict[str, list[dict]]:
    """The same tally by category, site and district, with the names people read."""
    sites = site_names or {}
    return {
        "by_category": tally(leads, categories, field, buckets, category_name),
        "by_site": tally(leads, lambda lead: [lead["site"]], field, buckets, lambda s: sites.get(s, s)),
        "by_district": tally(leads, lambda lead: [district(lead)], field, buckets),
    }


def totals(leads: list[dict], field: str, buckets: Sequence[str]) -> dict[str, int]:
    counted = Counter(lead[field] for lead in leads)
    return {b: counted[b] for b in buckets} | {"total": len(leads)}


def outcome_totals(store: LeadStore, run_ids: Sequence[int]) -> dict[str, int]:
    """Leads new / changed / recurring over these runs (each lead once, strongest outcome), in SQL."""
    return store.read.outcome_totals(run_ids)


def trend(store: LeadStore, start: date, end: date) -> list[dict]:
    """One row per day with crawl runs: leads new / changed / recurring that night, listings, failed sites."""
    runs_by_day: dict[str, list[int]] = defaultdict(list)
    for run in store.read.crawl_runs(start.isoformat(), end.isoformat()):
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
