"""The morning and period reports at scale: N leads seen on each of 30 nights.

    .venv/bin/python bench/report_scale.py [--leads N] [--nights K]

Fills a fresh store with N synthetic leads (store_scale.fill), records K crawl runs on K
consecutive days each seeing every lead (the first night as new, a tenth changed, the rest
recurring) for three sites, then times writing the last night's report (with its 30-night
trend) and the report of the whole period. Prints seconds and peak memory (max RSS).
"""

from __future__ import annotations

import argparse
import resource
import sqlite3
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from store_scale import fill

from crawler.leads.store import LeadStore
from crawler.reporting.render import write_night_report, write_period_report


def nights(db: Path, leads: int, count: int, first: date) -> int:
    """K crawl runs, one a day, every lead recorded in each; the last run's id."""
    with sqlite3.connect(db) as conn:
        ids = [row[0] for row in conn.execute("SELECT lead_id FROM leads")]
        for night in range(count):
            day = (first + timedelta(days=night)).isoformat()
            run = conn.execute(
                "INSERT INTO runs (kind, started_at, finished_at, status) VALUES ('crawl', ?, ?, 'ok')",
                (f"{day}T01:00:00+08:00", f"{day}T03:00:00+08:00"),
            ).lastrowid
            conn.executemany(
                "INSERT INTO run_sites VALUES (?, ?, ?, ?, 0, 'finished')",
                [(run, site, leads, leads // 3) for site in ("a", "b", "c")],
            )
            outcome = (lambda i: "new") if night == 0 else (lambda i: "changed" if i % 10 == 0 else "seen")
            conn.executemany(
                "INSERT INTO run_leads VALUES (?, ?, ?)", ((run, lead, outcome(i)) for i, lead in enumerate(ids))
            )
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=20_000)
    parser.add_argument("--nights", type=int, default=30)
    args = parser.parse_args()
    first = date(2026, 10, 1)
    with tempfile.TemporaryDirectory() as tmp:
        db, reports = Path(tmp) / "db.sqlite", Path(tmp) / "reports"
        fill(db, args.leads, real=0)  # reports read what is stored: no page needs its true hashes
        last = nights(db, args.leads, args.nights, first)
        with LeadStore(db) as store:
            started = time.perf_counter()
            write_night_report(store, last, reports)
            night = time.perf_counter() - started
            started = time.perf_counter()
            end = first + timedelta(days=args.nights - 1)
            write_period_report(store, first, end, reports / "period")
            period = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.leads} leads x {args.nights} nights ({args.leads * args.nights} run_leads rows)")
    print(f"night report (with the 30-night trend): {night:.2f} s")
    print(f"period report ({args.nights} nights):      {period:.2f} s")
    print(f"peak memory: {peak:.0f} MB")


if __name__ == "__main__":
    main()
