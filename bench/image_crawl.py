"""Ads in pictures through the whole crawl: what is found, what a night costs, what the second night reads.

    .venv/bin/python bench/image_crawl.py [--tiny]

Serves the poster site (tests/support/poster_site.py: the 51 posters of tests/support/posters.py,
28 violations and 23 clean, each on a page whose text is the poster's innocent caption, plus the
7 pages of hostile pictures) on 127.0.0.1 and runs `tutorwatch crawl` on it, each in its own
process, politeness off (no delay, 8 requests at a time, every page fetched every night):

- images off: the same site as every site is configured by default (page text only);
- images on, night 1: a fresh store, every picture fetched and read;
- images on, night 2: the same store; every page is fetched again (revisit_hours 0), each
  picture is asked for with its ETag (a 304, no body) and its text comes from the cache.

Prints, per crawl: detail pages per second (wall clock of the crawl process, detection workers
included), picture requests the site answered (and how many with 304 Not Modified), pictures
read / cached / unchanged (304) / skipped / failed (the store's run_images), violations found (posters whose page
is a lead) and clean posters flagged; and the ratio of pages/s with images
to without. ``--tiny``: 1 violation, 1 clean poster and the hostile pages (the suite's run).
Timings belong here, never in the tests.
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support: the poster site, from the checkout

from crawler.leads.image_cache import OUTCOMES
from tests.support.poster_site import HOSTILE, posters, serve_poster_site, site_config

TUTORWATCH = str(Path(sys.executable).parent / "tutorwatch")
TINY = ["v01-summer-math-1v1", "c01-piano"]  # one violation, one clean poster: the suite only checks it runs


def crawl(root: Path, db: Path, port: int, images: bool) -> float:
    sites = root / f"sites-{'on' if images else 'off'}"
    sites.mkdir(exist_ok=True)
    (sites / "posters.yaml").write_text(site_config(port, images=images), encoding="utf-8")
    command = [TUTORWATCH, "--db", str(db), "--reports-dir", str(root / "reports"), "--sites-dir", str(sites), "crawl"]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"crawl failed: {result.stderr[-2000:]}")
    return seconds


def outcome(db: Path, base: str, ids: list[str]) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        run = conn.execute("SELECT MAX(run_id) FROM runs").fetchone()[0]
        counts = dict(conn.execute("SELECT outcome, images FROM run_images WHERE run_id = ?", (run,)).fetchall())
        leads = {url for (url,) in conn.execute("SELECT url FROM leads WHERE flagged = 1")}
    found = [pid for pid in ids if f"{base}/ad/{pid}.html" in leads]
    return {
        **{name: counts.get(name, 0) for name in OUTCOMES},
        "violations": sum(posters()[pid].violation for pid in found),
        "clean_flagged": sum(not posters()[pid].violation for pid in found),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="2 posters and the hostile pages (the suite's run)")
    args = parser.parse_args()
    ids = TINY if args.tiny else list(posters())
    violations = sum(posters()[pid].violation for pid in ids)
    pages = len(ids) + len(HOSTILE)
    with tempfile.TemporaryDirectory() as tmp, serve_poster_site(ids) as (port, site):
        root, base = Path(tmp), f"http://127.0.0.1:{port}"
        asked: dict[str, tuple[int, int]] = {}  # crawl → (picture requests, of them answered 304)

        def counted(name: str, db: Path, images: bool) -> tuple[str, float, Path]:
            before = (sum(n for p, n in site.hits.items() if p.startswith("/img/")), sum(site.not_modified.values()))
            seconds = crawl(root, db, port, images=images)
            after = (sum(n for p, n in site.hits.items() if p.startswith("/img/")), sum(site.not_modified.values()))
            asked[name] = (after[0] - before[0], after[1] - before[1])
            return name, seconds, db

        runs = [counted("images off", root / "off.db", False), counted("images on, night 1", root / "on.db", True)]
        first = outcome(root / "on.db", base, ids)
        runs.append(counted("images on, night 2", root / "on.db", True))
        print(f"poster site: {len(ids)} posters ({violations} violations) + {len(HOSTILE)} hostile pages")
        print(
            "| crawl | seconds | pages/s | picture requests (304) | read | cached | unchanged (304) | skipped | failed"
            " | violations found | clean flagged |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        rates = {}
        for name, seconds, db in runs:
            got = first if name.endswith("night 1") else outcome(db, base, ids)
            rates[name] = pages / seconds
            cells = [
                f"{seconds:.1f}",
                f"{rates[name]:.2f}",
                f"{asked[name][0]} ({asked[name][1]})",
                *(str(got[k]) for k in OUTCOMES),
            ]
            cells += [f"{got['violations']}/{violations}", f"{got['clean_flagged']}/{len(ids) - violations}"]
            print(f"| {name} | " + " | ".join(cells) + " |")
        print(
            f"pages/s with images / without: night 1 {rates['images on, night 1'] / rates['images off']:.2f},"
            f" night 2 {rates['images on, night 2'] / rates['images off']:.2f}"
        )
        extra = (runs[1][1] - runs[0][1]) / max(first["read"], 1)
        print(f"wall seconds night 1 adds per picture read ((with − without) / read): {extra:.2f}")


if __name__ == "__main__":
    main()
