"""The machine-readable summaries behind the reports: one night's run, or any period.

Both carry the same counts (leads new / changed / recurring by category, site and district)
and a per-night trend; a night adds each site's health, a period adds what the analysts
decided (verdict outcomes) and the confirmed cases with their evidence references.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from crawler.errors import TutorWatchError
from crawler.images.counts import image_counts
from crawler.leads.review import label
from crawler.leads.store import LeadStore, now
from crawler.reporting.counts import (
    OUTCOMES,
    VERDICTS,
    active_leads,
    breakdown,
    categories,
    crawl_runs,
    district,
    run_leads,
    totals,
    trend,
)
from crawler.runs.health import SiteHealth, site_health

TREND_NIGHTS = 30
SHOWN_LEADS = 100  # new or changed leads listed in a night's report; the daily CSV has them all
SITE_SUMS = ("runs", "failed_runs", "low_runs", "pages", "listings", "errors")


def lead_brief(lead: dict) -> dict:
    """What a report shows of one lead, evidence reference included."""
    return {
        "lead_id": lead["lead_id"],
        "title": lead["title"],
        "url": lead["url"],
        "site": lead["site"],
        "district": district(lead),
        "categories": categories(lead),
        "matched_text": lead["matched_text"],
        "score": round(lead["score"], 2),
        "first_seen": lead["first_seen"],
        "status": label(lead["status"]),
        "notes": lead["notes"],
        "reviewed_at": lead["reviewed_at"],
        "evidence": f"{lead['evidence_file']}@{lead['evidence_offset']}" if lead["evidence_file"] else "",
        "evidence_sha256": lead["evidence_sha256"],
    }


def night_summary(store: LeadStore, run_id: int) -> dict:
    """One run: its status, each site's health, what it did to leads, and the last 30 nights."""
    run = store.conn.execute("SELECT * FROM runs WHERE run_id = ?", (run_id,)).fetchone()
    if run is None:
        raise TutorWatchError(f"no run {run_id} in the database")
    day = date.fromisoformat(run["started_at"][:10])
    health = site_health(store, run_id)
    leads = run_leads(store, [run_id])
    return {
        "report": "night",
        "generated_at": now(),
        "run": dict(run),
        "status": run["status"],
        "sites": [h.as_dict() for h in health],
        "failed_sites": [h.site for h in health if h.health == "failed"],
        "faults": [dict(row) for row in store.faults(run_id)],
        "images": image_counts(store.conn, run_id),  # pictures read, cached, skipped, failed per site
        "leads": totals(leads, "outcome", OUTCOMES),
        **breakdown(leads, "outcome", OUTCOMES),
        "trend": trend(store, day - timedelta(days=TREND_NIGHTS - 1), day),
        "new_or_changed": [lead_brief(lead) for lead in leads if lead["outcome"] != "recurring"][:SHOWN_LEADS],
        "leads_in_store": store.conn.execute("SELECT COUNT(*) FROM leads").fetchone()[0],
    }


def site_totals(health: list[SiteHealth]) -> list[dict]:
    """Each site over a period: runs, how many failed or ran low, pages, listings, errors, the last problem."""
    sites: dict[str, dict] = {}
    for h in health:
        row = sites.setdefault(h.site, {"site": h.site, "last_problem": ""} | dict.fromkeys(SITE_SUMS, 0))
        row["runs"] += 1
        for key in ("pages", "listings", "errors"):
            row[key] += getattr(h, key)
        row["failed_runs"] += h.health == "failed"
        row["low_runs"] += h.health == "low"
        row["last_problem"] = h.problem or row["last_problem"]
    return sorted(sites.values(), key=lambda row: row["site"])


def period_summary(store: LeadStore, start: date, end: date) -> dict:
    """Any period: 基本情况 (runs, sites, leads), 问题发现 (by category, site, district), 执法成果 (verdicts, cases)."""
    runs = crawl_runs(store, start, end)
    leads = run_leads(store, [run["run_id"] for run in runs])
    active = active_leads(store, start, end)
    return {
        "report": "period",
        "generated_at": now(),
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "runs": [{k: run[k] for k in ("run_id", "started_at", "finished_at", "status")} for run in runs],
        "runs_by_status": dict(Counter(run["status"] for run in runs)),
        "sites": site_totals([h for run in runs for h in site_health(store, run["run_id"])]),
        "leads": totals(leads, "outcome", OUTCOMES),
        **breakdown(leads, "outcome", OUTCOMES),
        "trend": trend(store, start, end),
        "verdicts": totals(active, "verdict", VERDICTS),
        "verdicts_by": breakdown(active, "verdict", VERDICTS),
        "confirmed_cases": [lead_brief(lead) for lead in active if lead["verdict"] == "confirmed"],
    }
