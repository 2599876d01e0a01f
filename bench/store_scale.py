"""The leads store at scale, beside plain sqlite3/csv doing the same I/O in the same run.

    .venv/bin/python bench/store_scale.py [--leads N] [--night M] [--review R]

Fills a fresh store with N synthetic leads (default 100,000), then times: exporting leads.csv +
leads.xlsx + the daily file (ours) vs SELECT * → csv.writer (baseline); importing a review CSV
of R rows (ours, all-or-nothing) vs csv.reader → executemany UPDATE (baseline); upserting M
listings of one night (ours: fold, contacts, MinHash, one transaction each) vs executemany
INSERT OR REPLACE (baseline). Prints seconds, the ratio and peak memory (max RSS).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import resource
import sqlite3
import tempfile
import time
from datetime import date
from pathlib import Path

from crawler.leads.export import LEAD_COLUMNS, export_store
from crawler.leads.review import import_review
from crawler.leads.store import LeadStore
from crawler.listing import Listing
from detectors.models import Analysis, Finding, Span

TITLES = ["初中数学一对一", "高中物理周末班", "住家保姆 可辅导作业", "少儿美术", "寒假英语冲刺营"]


def fill(db: Path, count: int) -> None:
    """N leads written straight into the schema (the store's own migrations made it)."""
    LeadStore(db).close()
    rng = random.Random(1)
    with sqlite3.connect(db) as conn:
        conn.executemany(
            "INSERT INTO leads (lead_id, url, site, platform, title, body, publisher, contact, city, district, price,"
            " posted_at, categories, rules, matched_text, basis, score, flagged, content_hash, first_seen, last_seen,"
            " changed_at, contacts, minhash) VALUES (?, ?, 's', 'tutoring', ?, ?, '', '', '岳阳市', '岳阳楼区', '',"
            " '', 'one_on_one', 'one_on_one/x', '一对一', 'YY 四(二)', 0.9, 1, ?, '2026-11-01', '2026-11-01',"
            " '2026-11-01', ?, ?)",
            (
                (
                    f"L{i:012x}",
                    f"http://127.0.0.1/p/{i}",
                    TITLES[i % 5],
                    f"正文 {i}",
                    f"h{i}",
                    f"phone:1380000{rng.randrange(10**4):04d}",
                    rng.randbytes(256),
                )
                for i in range(count)
            ),
        )


def timed(label: str, ours: float, baseline: float) -> None:
    print(f"{label:<44} ours {ours:7.2f} s   baseline {baseline:7.2f} s   ratio {ours / baseline:5.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--night", type=int, default=5_000)
    parser.add_argument("--review", type=int, default=10_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tw-scale-"))
    db = work / "leads.db"
    fill(db, args.leads)
    print(f"{args.leads} leads in {db}")

    start = time.perf_counter()
    with LeadStore(db) as store:
        export_store(store, work / "reports", date(2026, 11, 1))
    ours = time.perf_counter() - start
    start = time.perf_counter()
    with sqlite3.connect(db) as conn, (work / "baseline.csv").open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        cursor = conn.execute("SELECT * FROM leads")
        writer.writerow([d[0] for d in cursor.description])
        writer.writerows(cursor)
    timed("export (csv + xlsx + daily) vs csv dump", ours, time.perf_counter() - start)

    review = work / "review.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(LEAD_COLUMNS)
    for i in range(args.review):
        writer.writerow([f"L{i:012x}" if c == "lead_id" else "确认" if c == "status" else "" for c in LEAD_COLUMNS])
    review.write_text(buffer.getvalue(), encoding="utf-8-sig")
    start = time.perf_counter()
    with LeadStore(db) as store:
        import_review(store, review)
    ours = time.perf_counter() - start
    start = time.perf_counter()
    with sqlite3.connect(db) as conn:
        rows = list(csv.reader(review.open(encoding="utf-8-sig")))[1:]
        conn.executemany("UPDATE leads SET status = 'confirmed' WHERE lead_id = ?", ((r[0],) for r in rows))
    timed(f"review import of {args.review} rows vs executemany", ours, time.perf_counter() - start)

    span = Span(0, 3, "初中数")
    analysis = Analysis(0.9, True, (Finding("one_on_one", "one_on_one/x", "high", ("YY 四(二)",), span, (span,), "x"),))
    listings = [
        Listing(f"http://127.0.0.1/n/{i}", "", "s", "tutoring", TITLES[i % 5], f"正文 {i} 电话1390000{i % 10**4:04d}")
        for i in range(args.night)
    ]
    start = time.perf_counter()
    with LeadStore(db) as store:
        for listing in listings:
            store.upsert(listing, analysis, "2026-11-02T01:00:00")
    ours = time.perf_counter() - start
    start = time.perf_counter()
    with sqlite3.connect(db) as conn:
        conn.executemany("INSERT OR REPLACE INTO pages VALUES (?, 's', 'h', 'a', 'b')", ((x.url,) for x in listings))
    timed(f"upsert of one night's {args.night} listings vs executemany", ours, time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS) {peak:.0f} MB; files in {work}")
    os.remove(db)


if __name__ == "__main__":
    main()
