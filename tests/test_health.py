"""Site health and run counts on a real SQLite file: judged against earlier nights, trend over 30 nights."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from crawler.extraction.listing import Listing
from crawler.leads.store import LeadStore
from crawler.reporting.counts import run_leads, trend
from crawler.reporting.summary import night_summary
from crawler.runs.health import NOT_STARTED, judge, record_missing, run_status, site_health
from detectors import analyze

AD = Listing(
    url="http://127.0.0.1:1/post/1.html",
    fetched_url="http://127.0.0.1:1/post/1.html",
    site="s",
    platform="tutoring",
    title="初中数学一对一",
    body="老师上门",
    district="岳阳楼区",
)


def row(listings: int, reason: str = "finished") -> dict:
    return {"site": "s", "pages": 10, "listings": listings, "errors": 0, "finish_reason": reason}


@pytest.mark.parametrize(
    ("listings", "reason", "history", "health", "says"),
    [
        (12, "finished", [10, 12, 0], "ok", ""),
        (0, "finished", [10, 12, 0], "failed", "yielded 11 listings on earlier nights, none now"),
        (0, "finished", [], "failed", "no listings"),
        (3, "finished", [10, 12], "low", "3 listings, usually 11"),
        (12, "shutdown", [12], "failed", "finished with 'shutdown'"),
        (12, "closespider_pagecount", [12], "low", "max_pages"),
        (0, NOT_STARTED, [12], "failed", "never reported an end"),
    ],
)
def test_a_site_is_judged_against_its_earlier_nights(
    listings: int, reason: str, history: list[int], health: str, says: str
) -> None:
    judged = judge(row(listings, reason), history)
    assert judged.health == health and says in judged.problem


def test_run_status_is_ok_partial_or_failed() -> None:
    ok, failed = judge(row(5), []), judge(row(0), [])
    assert (run_status([ok, ok]), run_status([ok, failed]), run_status([failed]), run_status([])) == (
        "ok",
        "partial",
        "failed",
        "failed",
    )


def night(store: LeadStore, day: str, listings: list[Listing], expected: tuple[str, ...] = ("s",)) -> int:
    """One crawl run on ``day``: the listings upserted under it, each expected site recorded."""
    run_id = store.start_run("crawl")
    store.conn.execute("UPDATE runs SET started_at = ? WHERE run_id = ?", (f"{day}T01:00:00+08:00", run_id))
    for listing in listings:
        store.upsert(listing, analyze(listing.title, listing.body, listing.platform), f"{day}T01:10:00", run_id=run_id)
    if listings:
        store.record_site(run_id, "s", pages=len(listings), listings=len(listings), errors=0, reason="finished")
    record_missing(store, run_id, expected)
    store.finish_run(run_id, run_status(site_health(store, run_id)))
    return run_id


def test_outcomes_per_night_and_the_30_night_trend(tmp_path: Path) -> None:
    other = replace(AD, url="http://127.0.0.1:1/post/2.html", title="高三物理一对一", district="")
    with LeadStore(tmp_path / "db.sqlite") as store:
        night(store, "2026-09-01", [AD])  # more than 30 nights before the last: outside the trend
        second = night(store, "2026-11-01", [AD, other])
        third = night(store, "2026-11-02", [replace(AD, body="老师上门，周末也可"), other])
        fourth = night(store, "2026-11-03", [])  # the site broke
        by_night = {lead["url"]: lead["outcome"] for lead in run_leads(store, [third])}
        assert by_night == {AD.url: "changed", other.url: "recurring"}
        both = {lead["url"]: lead["outcome"] for lead in run_leads(store, [second, third])}
        assert both == {AD.url: "changed", other.url: "new"}, "over several runs the strongest outcome counts"
        nights = trend(store, date(2026, 10, 5), date(2026, 11, 3))
        summary = night_summary(store, fourth)
    assert [(n["date"], n["new"], n["changed"], n["recurring"], n["failed_sites"]) for n in nights] == [
        ("2026-11-01", 1, 0, 1, 0),
        ("2026-11-02", 0, 1, 1, 0),
        ("2026-11-03", 0, 0, 0, 1),
    ]
    assert summary["status"] == "failed" and summary["failed_sites"] == ["s"]
    assert summary["sites"][0]["finish_reason"] == NOT_STARTED and summary["sites"][0]["usual"] == 2
    assert [n["date"] for n in summary["trend"]] == ["2026-11-01", "2026-11-02", "2026-11-03"]
