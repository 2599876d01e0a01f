"""The leads store at scale, beside plain sqlite3/csv doing the same I/O in the same run.

    .venv/bin/python bench/store_scale.py [--leads 1000000] [--night 50000] [--review 100000]

Fills a fresh store with N synthetic leads (their actor/case ids and index keys included), then
times, each beside a baseline in the same run:

- export: leads.csv + the day's file + leads.xlsx (ours) vs SELECT of the same raw columns in
  the same order → csv.writer, for both CSV files (baseline; it writes no XLSX);
- review import of R rows (ours: all-or-nothing check, then one transaction) vs csv.reader →
  executemany UPDATE (baseline);
- one night of M listings (ours: StorePipeline's path, one transaction per listing; the mix is
  60% known unchanged leads, 10% changed, 20% new leads, 10% clean pages) vs executemany of the
  same page, lead and key rows in one transaction (baseline).

Prints seconds, the ratio and peak memory (max RSS of this process).
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import resource
import shutil
import sqlite3
import tempfile
import time
from datetime import date
from pathlib import Path

from crawler.leads.columns import LEAD_COLUMNS
from crawler.leads.export import export_store
from crawler.leads.fingerprint import content_hash, lead_id
from crawler.leads.groups import contact_keys
from crawler.leads.review import import_review
from crawler.leads.store import LeadStore
from crawler.listing import Listing
from detectors.contacts import fold
from detectors.models import Analysis, Finding, Span

TITLES = ["初中数学一对一", "高中物理周末班", "住家保姆 可辅导作业", "少儿美术", "寒假英语冲刺营"]
DISTRICTS = ["岳阳楼区", "君山区", "云溪区", "源城区"]
SPAN = Span(0, 3, "初中数")
FLAGGED = Analysis(0.9, True, (Finding("one_on_one", "one_on_one/x", "high", ("YY 四(二)",), SPAN, (SPAN,), "x"),))
CLEAN = Analysis(0.1, False, ())
WRITTEN = ("new", "changed")


def listing(i: int, edit: str = "") -> Listing:
    return Listing(
        f"http://127.0.0.1/p/{i}", "", "s", "tutoring", TITLES[i % 5], f"正文 {i}{edit} 电话1390000{i % 10**4:04d}"
    )


def fill(db: Path, count: int, real: int) -> None:
    """N leads written straight into the schema (made by the store's migrations); the first ``real``
    are the pages the night re-crawls, with their true content hash."""
    LeadStore(db).close()
    rng = random.Random(1)
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA synchronous=OFF")
        for start in range(0, count, 50_000):
            batch = []
            for i in range(start, min(start + 50_000, count)):
                page = listing(i)
                digest = content_hash(page) if i < real else f"h{i}"
                contacts = f"phone:1380000{rng.randrange(10**4):04d}"
                actor = f"A{rng.randrange(10**4):010x}"
                batch.append((lead_id(page.url), page.url, page.title, page.body, DISTRICTS[i % 4], digest, contacts))
                batch[-1] += (rng.randbytes(256), actor, f"C{i:012x}")
            _insert(conn, batch, rng)


def _insert(conn: sqlite3.Connection, batch: list[tuple], rng: random.Random) -> None:
    conn.executemany(
        "INSERT INTO leads (lead_id, url, site, platform, title, body, publisher, contact, city, district, price,"
        " posted_at, categories, rules, matched_text, basis, score, flagged, content_hash, first_seen, last_seen,"
        " changed_at, contacts, minhash, actor_id, case_id) VALUES (?, ?, 's', 'tutoring', ?, ?, '', '', '岳阳市', ?,"
        " '', '', 'one_on_one', 'one_on_one/x', '一对一', 'YY 四(二)', 0.9, 1, ?, '2026-11-01', '2026-11-01',"
        " '2026-11-01', ?, ?, ?, ?)",
        batch,
    )
    first = conn.execute("SELECT max(rowid) FROM leads").fetchone()[0] - len(batch) + 1
    keys = []  # each lead's contact key and 16 band keys (random, as the fill's signatures are)
    for n, row in enumerate(batch):
        keys.append((contact_keys(row[6])[0], first + n))
        keys.extend((rng.getrandbits(63), first + n) for _ in range(16))
    conn.executemany("INSERT OR IGNORE INTO lead_keys VALUES (?, ?)", keys)


def timed(label: str, ours: float, baseline: float) -> None:
    print(f"{label:<52} ours {ours:7.2f} s   baseline {baseline:7.2f} s   ratio {ours / baseline:5.2f}x", flush=True)


def bench_export(db: Path, work: Path) -> None:
    start = time.perf_counter()
    with LeadStore(db) as store:
        export_store(store, work / "reports", date(2026, 11, 1))
    ours = time.perf_counter() - start
    start = time.perf_counter()
    with sqlite3.connect(db) as conn:
        select = f"SELECT {', '.join(_raw())} FROM leads"
        for name, where in (("baseline.csv", ""), ("baseline-day.csv", " WHERE changed_at >= '2026-11-01'")):
            with (work / name).open("w", encoding="utf-8-sig", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(LEAD_COLUMNS)
                writer.writerows(conn.execute(select + where + " ORDER BY score DESC, first_seen, lead_id"))
    timed("export: leads.csv + day file + xlsx vs 2 csv dumps", ours, time.perf_counter() - start)


def _raw() -> list[str]:
    """The stored columns the export reads, for the baseline's plain SELECT."""
    derived = {"evidence": "evidence_file", "changed_since_verdict": "verdict_hash"}
    return [derived.get(c, c) for c in LEAD_COLUMNS]


def bench_review(db: Path, work: Path, count: int) -> None:
    review = work / "review.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(LEAD_COLUMNS)
    for i in range(count):
        ident = lead_id(listing(i).url)
        writer.writerow([ident if c == "lead_id" else "确认" if c == "status" else "" for c in LEAD_COLUMNS])
    review.write_text(buffer.getvalue(), encoding="utf-8-sig")
    start = time.perf_counter()
    with LeadStore(db) as store:
        import_review(store, review)
    ours = time.perf_counter() - start
    start = time.perf_counter()
    with sqlite3.connect(db) as conn, review.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))[1:]
        conn.executemany("UPDATE leads SET status = 'confirmed' WHERE lead_id = ?", ((r[0],) for r in rows))
    timed(f"review import of {count:,} rows vs executemany", ours, time.perf_counter() - start)


def night(count: int, known: int) -> list[tuple[Listing, Analysis, str]]:
    """60% known unchanged leads, 10% changed, 20% new leads, 10% clean pages."""
    out = []
    for n in range(count):
        kind = n % 10
        if kind < 6:
            out.append((listing(n % known), FLAGGED, "seen"))
        elif kind == 6:
            out.append((listing(n % known, "，周末加课"), FLAGGED, "changed"))
        elif kind < 9:
            out.append((listing(10**9 + n), FLAGGED, "new"))
        else:
            out.append((listing(2 * 10**9 + n), CLEAN, "clean"))
    return out


def bench_night(db: Path, count: int, known: int) -> None:
    pages = night(count, known)
    copy = db.with_name("baseline.db")
    shutil.copyfile(db, copy)
    fold("预热 一对一")  # the detectors' tables load once per process, before the crawl starts (warm_up)
    start = time.perf_counter()
    with LeadStore(db) as store:
        for page, analysis, _ in pages:
            store.upsert(page, analysis, "2026-11-02T01:00:00")
    ours = time.perf_counter() - start
    start = time.perf_counter()
    with sqlite3.connect(copy) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executemany(
            "INSERT OR REPLACE INTO pages (url, site, content_hash, first_seen, last_seen, fetched_at)"
            " VALUES (?, 's', 'h', '2026-11-02', '2026-11-02', '2026-11-02')",
            ((p.url,) for p, _, _ in pages),
        )
        conn.executemany(
            "UPDATE leads SET last_seen = '2026-11-02', times_seen = times_seen + 1 WHERE lead_id = ?",
            ((lead_id(p.url),) for p, _, kind in pages if kind == "seen"),
        )
        conn.executemany(
            "INSERT OR REPLACE INTO leads (lead_id, url, site, platform, title, body, publisher, contact, city,"
            " district, price, posted_at, categories, rules, matched_text, basis, score, flagged, content_hash,"
            " first_seen, last_seen, changed_at, minhash) VALUES (?, ?, 's', 'tutoring', ?, ?, '', '', '', '', '',"
            " '', 'one_on_one', 'x', 'x', 'x', 0.9, 1, 'h', 'a', 'a', 'a', ?)",
            ((lead_id(p.url), p.url, p.title, p.body, bytes(256)) for p, _, kind in pages if kind in WRITTEN),
        )
        conn.executemany(  # a contact key and 16 band keys for each new or changed lead
            "INSERT OR IGNORE INTO lead_keys VALUES (?, ?)",
            (
                (key, n)
                for n, (_, _, kind) in enumerate(pages)
                if kind in WRITTEN
                for key in contact_keys(";".join(f"phone:{n}-{k}" for k in range(17)))
            ),
        )
    timed(f"one night: {count:,} listings vs executemany", ours, time.perf_counter() - start)
    copy.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--night", type=int, default=50_000)
    parser.add_argument("--review", type=int, default=100_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tw-scale-"))
    db = work / "leads.db"
    start = time.perf_counter()
    known = max(min(args.night, args.leads), 1)
    fill(db, args.leads, known)
    print(f"{args.leads:,} leads in {db} ({time.perf_counter() - start:.0f} s to fill)", flush=True)
    bench_export(db, work)
    bench_review(db, work, min(args.review, args.leads))
    bench_night(db, args.night, known)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS) {peak:.0f} MB")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
