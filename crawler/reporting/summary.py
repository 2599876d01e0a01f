"""The machine-readable summaries behind the reports: one night's run, or any period.

Both carry the same counts (leads new / changed / recurring by category, site and district)
and a per-night trend; a night adds the bureau's morning view (new leads, leads waiting for a
verdict by district, leads confirmed this week) and each site's health, a period adds what the
analysts decided (verdict outcomes) and the confirmed cases with their evidence references.
Ids stay (``key``, ``site``, ``categories``) beside the names people read (``label``, ``site_name``,
``category_names``); times stay ISO beside their local reading in the bureau's zone.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from crawler.errors import TutorWatchError
from crawler.leads.explain import explain
from crawler.leads.findings import loaded
from crawler.leads.image_cache import ImageCache
from crawler.leads.localtime import DEFAULT_TZ, shown
from crawler.leads.review import label
from crawler.leads.store import LeadStore, now
from crawler.leads.wording import category_name
from crawler.reporting.counts import (
    OUTCOMES,
    UNKNOWN,
    VERDICTS,
    active_leads,
    breakdown,
    categories,
    district,
    run_leads,
    totals,
    trend,
)
from crawler.runs.field_health import field_gaps
from crawler.runs.health import SiteHealth, site_health

TREND_NIGHTS = 30
SHOWN_LEADS = 100  # new or changed leads listed in a night's report; the daily CSV has them all
SITE_SUMS = ("runs", "failed_runs", "low_runs", "pages", "listings", "errors")


WEEK = 7  # "confirmed this week": the seven days up to the report's day


def lead_brief(lead: dict, site_names: dict[str, str] | None = None, tz: str = DEFAULT_TZ) -> dict:
    """What a report shows of one lead (ids and the names people read), evidence reference included."""
    zone = ZoneInfo(tz)
    return {
        "lead_id": lead["lead_id"],
        "title": lead["title"],
        "url": lead["url"],
        "site": lead["site"],
        "site_name": (site_names or {}).get(lead["site"], lead["site"]),
        "district": district(lead),
        "categories": categories(lead),
        "category_names": [category_name(c) for c in categories(lead)],
        "matched_text": lead["matched_text"],
        "explanation": explain(loaded(lead["findings"], lead["categories"], lead["matched_text"])),
        "score": round(lead["score"], 2),
        "first_seen": lead["first_seen"],
        "first_seen_local": shown(lead["first_seen"], zone),
        "times_seen": lead["times_seen"],
        "status": label(lead["status"]),
        "notes": lead["notes"],
        "reviewed_at": lead["reviewed_at"],
        "reviewed_local": shown(lead["reviewed_at"], zone),
        "evidence": f"{lead['evidence_file']}@{lead['evidence_offset']}" if lead["evidence_file"] else "",
        "evidence_sha256": lead["evidence_sha256"],
    }


def bureau_view(store: LeadStore, day: date, site_names: dict[str, str], tz: str) -> dict:
    """The bureau's morning: leads waiting for a verdict by district, and those confirmed this week."""
    waiting = [{"district": row["place"] or UNKNOWN, "leads": row["leads"]} for row in store.read.open_by_district()]
    week_start = day - timedelta(days=WEEK - 1)
    confirmed = store.read.confirmed_between(week_start.isoformat(), (day + timedelta(days=1)).isoformat())
    return {
        "open": sum(row["leads"] for row in waiting),
        "open_by_district": waiting,
        "week": {"from": week_start.isoformat(), "to": day.isoformat()},
        "confirmed_this_week": [
            lead_brief(dict(row), site_names, tz) | {"confirmed_local": shown(row["confirmed_at"], ZoneInfo(tz))}
            for row in confirmed
        ],
    }


def night_summary(
    store: LeadStore, run_id: int, site_names: dict[str, str] | None = None, tz: str = DEFAULT_TZ
) -> dict:
    """One run: the bureau's view, what it did to leads, each site's health, and the last 30 nights."""
    run = store.read.run(run_id)
    if run is None:
        raise TutorWatchError(f"no run {run_id} in the database")
    names = site_names or {}
    day = date.fromisoformat(run["started_at"][:10])
    health = site_health(store, run_id)
    gaps = field_gaps(store, run_id)
    leads = run_leads(store, [run_id])
    fresh = [lead for lead in leads if lead["outcome"] != "recurring"]
    return {
        "report": "night",
        "generated_at": now(),
        "time_zone": tz,
        "run": dict(run),
        "run_local": {key: shown(run[key] or "", ZoneInfo(tz)) for key in ("started_at", "finished_at")},
        "status": run["status"],
        "site_names": names,
        "bureau": bureau_view(store, day, names, tz),
        "sites": [h.as_dict() | {"name": names.get(h.site, h.site)} for h in health],
        "failed_sites": [h.site for h in health if h.health == "failed"],
        "faults": [dict(row) for row in store.faults(run_id)],
        "fields": [gap.as_dict() for gap in gaps],
        "broken_fields": [gap.problem for gap in gaps if gap.broken],
        "same_pages": [dict(row) for row in store.same_pages(run_id)],
        "images": ImageCache(store.conn).counts(run_id),  # pictures read, cached, skipped, failed per site
        "leads": totals(leads, "outcome", OUTCOMES),
        **breakdown(leads, "outcome", OUTCOMES, names),
        "trend": trend(store, day - timedelta(days=TREND_NIGHTS - 1), day),
        "new_or_changed": [lead_brief(lead, names, tz) | {"outcome": lead["outcome"]} for lead in fresh][:SHOWN_LEADS],
        "leads_in_store": store.read.lead_count(),
    }


def site_totals(health: list[SiteHealth], site_names: dict[str, str] | None = None) -> list[dict]:
    """Each site over a period: runs, how many failed or ran low, pages, listings, errors, the last problem."""
    sites: dict[str, dict] = {}
    for h in health:
        blank = {"site": h.site, "name": (site_names or {}).get(h.site, h.site), "last_problem": ""}
        row = sites.setdefault(h.site, blank | dict.fromkeys(SITE_SUMS, 0))
        row["runs"] += 1
        for key in ("pages", "listings", "errors"):
            row[key] += getattr(h, key)
        row["failed_runs"] += h.health == "failed"
        row["low_runs"] += h.health == "low"
        row["last_problem"] = h.problem or row["last_problem"]
    return sorted(sites.values(), key=lambda row: row["site"])


def period_summary(
    store: LeadStore, start: date, end: date, site_names: dict[str, str] | None = None, tz: str = DEFAULT_TZ
) -> dict:
    """Any period: 基本情况 (runs, sites, leads), 问题发现 (by category, site, district), 执法成果 (verdicts, cases)."""
    names = site_names or {}
    runs = store.read.crawl_runs(start.isoformat(), end.isoformat())
    leads = run_leads(store, [run["run_id"] for run in runs])
    active = active_leads(store, start, end)
    confirmed = store.read.confirmed_between(start.isoformat(), (end + timedelta(days=1)).isoformat())
    return {
        "report": "period",
        "generated_at": now(),
        "time_zone": tz,
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "site_names": names,
        "runs": [{k: run[k] for k in ("run_id", "started_at", "finished_at", "status")} for run in runs],
        "runs_by_status": dict(Counter(run["status"] for run in runs)),
        "sites": site_totals([h for run in runs for h in site_health(store, run["run_id"])], names),
        "leads": totals(leads, "outcome", OUTCOMES),
        **breakdown(leads, "outcome", OUTCOMES, names),
        "trend": trend(store, start, end),
        "verdicts": totals(active, "verdict", VERDICTS),
        "verdicts_by": breakdown(active, "verdict", VERDICTS, names),
        "confirmed_in_period": len(confirmed),
        "confirmed_cases": [lead_brief(lead, names, tz) for lead in active if lead["verdict"] == "confirmed"],
    }
