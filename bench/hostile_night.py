"""A night against hostile sites: its peak memory, and whether one heavy site slows the others down.

    .venv/bin/python bench/hostile_night.py [--tiny] [--pages 3000] [--heavy 20] [--rounds 2] [--json]

Every crawl is a real ``tutorwatch crawl`` process against servers on 127.0.0.1 run by this script.

1. Two nights: the four bundled sample sites (one renders its list pages in Chromium), then the
   same beside tests/support/hostile_site.py at the sizes of issue 16: a 9.5 MB page of dense
   ads, 110 MB of ``Set-Cookie`` headers, list pages of 240,000 links (9 MB each) chained page
   after page, three hosts whose robots.txt is too big, too slow or reset, ``file://`` links,
   redirects to the cloud metadata address, a page of escape sequences; crawled with the default
   link and queue limits (max_links_per_page 2,000, max_queued 10,000), no delay, 4 at a time,
   the chain cut at 20 list pages (``max_list_depth``; the default 200 only makes the night
   longer: each 9 MB list page costs seconds of parsing, not more memory). Reported: the peak
   memory (PSS) of the crawl's whole process tree (the crawl, its workbook process, Chromium,
   Playwright's driver), sampled from /proc every 100 ms, each kind's own peak, and the peak
   number of tasks (threads): the figures behind MemoryMax= and TasksMax= in
   deploy/tutorwatch-nightly.service.
2. Speed: a generated site of N ordinary listing pages (bench/crawl_speed.py's, no delay, 16 at
   a time) crawled alone; beside a site serving one 10 MB page; beside a site whose every page
   is 10 MB (``--heavy`` of them, the default politeness: 0.25 s apart, 2 at a time); the modes
   taken in turn ``--rounds`` times, then alone once more. The ordinary site's pages per second
   come from its own server's clock (first to last detail page), so each figure is that site's
   rate while the other site was being crawled; the machine is shared, so each run is shown.
   Pages over ``politeness.worker_page_kb`` (512 KB) are read in the crawl's detection workers and
   their evidence compressed in a thread (crawler/spiders/heavy_pages.py), so what this measures
   on a busy 2-core machine is mostly the CPU the heavy pages take, wherever it is spent.

``--tiny`` (run by tests/test_bench_hostile.py): the hostile site alone at the tests' sizes (4 MB
of headers, 5,000 links a list page); 150 ordinary pages, one round, two heavy pages, no closing
alone run.
Timings belong here, never in the tests.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support and bench, from the checkout

from bench.crawl_speed import site_pages
from bench.crawl_speed import write_config as generated_site
from tests.support import hostile_site
from tests.support.hostile_site import big_page, serve_hostile_sites, write_config
from tests.support.sample_server import SITE_KINDS, serve_handlers, serve_samples

TUTORWATCH = str(Path(sys.executable).parent / "tutorwatch")
HEAVY = """name: 大页面站
platform: tutoring
start_urls: [http://127.0.0.1:{port}/list/1.html]
list: {{detail_links: "a.item::attr(href)"}}
detail: {{title: "h1.t", body: "div.b"}}
politeness: {{obey_robots: false, robots_override_reason: "bench server on 127.0.0.1"}}
"""
NIGHT_LIMITS = "{download_delay: 0, concurrency: 4, download_timeout: 5, max_pages: 3000, max_list_depth: 20}"


def process_tree(root: int) -> list[tuple[int, int]]:
    """(pid, parent pid) of ``root`` and every process below it, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        children.setdefault(int(stat[stat.rindex(")") + 2 :].split()[1]), []).append(int(entry.name))
    found, todo = [], [(root, 0)]
    while todo:
        pid, parent = todo.pop()
        found.append((pid, parent))
        todo.extend((child, pid) for child in children.get(pid, []))
    return found


SCHED_IDLE = 5  # /proc/PID/stat's policy field: the crawl's big-page lane runs under it


def kind_of(pid: int, parent: int, root: int, name: str, roles: dict[int, str]) -> str:
    """What a process of the crawl's tree is: the crawl, the forkserver, a detection worker, the big-page lane
    (forked from the forkserver, SCHED_IDLE), Chromium, Playwright's driver, or its own name."""
    if pid == root:
        return "crawl"
    if "chrom" in name or name == "exe":
        return "chromium"
    if name.startswith("node"):
        return "playwright driver"
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return name
    if parent == root and b"forkserver" in cmdline:
        return "forkserver"
    if parent == root and b"resource_tracker" in cmdline:
        return "resource tracker"
    if roles.get(parent) == "forkserver":
        idle = int(stat[stat.rindex(")") + 2 :].split()[38]) == SCHED_IDLE
        return "big-page lane" if idle else "detection workers"
    return name


def usage(pids: list[tuple[int, int]]) -> tuple[int, int, dict[str, int]]:
    """(proportional set size in kB, tasks) summed over ``pids`` (with their parents, the root first), and the kB
    by kind of process (crawl, forkserver, detection workers, big-page lane, chromium …).

    PSS, not RSS: Chromium's dozen processes share most of their pages, and summing their RSS would
    count those pages a dozen times; PSS gives each process its share, so the sum is what the tree
    really holds (what a cgroup's MemoryMax= charges, page cache aside).
    """
    pss = tasks = 0
    kinds: dict[str, int] = {}
    roles: dict[int, str] = {}
    root = pids[0][0] if pids else 0
    for pid, parent in pids:
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        kb = next((int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:")), 0)
        pss += kb
        tasks += int(fields.get("Threads", "0").split()[0])
        kind = roles[pid] = kind_of(pid, parent, root, fields["Name"].strip(), roles)
        kinds[kind] = kinds.get(kind, 0) + kb
    return pss, tasks, kinds


def crawl(root: Path, sites_dir: Path) -> dict[str, Any]:
    """One ``tutorwatch crawl`` into a fresh store under ``root``; its exit, duration, peak memory and tasks, each
    kind's own peak and what each kind held at the moment of the whole tree's peak."""
    command = [TUTORWATCH, "--db", str(root / "leads.db"), "--reports-dir", str(root / "reports")]
    started = time.monotonic()
    process = subprocess.Popen([*command, "--sites-dir", str(sites_dir), "crawl"], stdout=subprocess.DEVNULL)
    peak_kb = peak_tasks = 0
    peaks: dict[str, int] = {}  # each kind's own peak (they need not peak together)
    at_peak: dict[str, int] = {}  # each kind's share of the tree's peak
    while process.poll() is None:
        rss, tasks, kinds = usage(process_tree(process.pid))
        if rss > peak_kb:
            peak_kb, at_peak = rss, kinds
        peak_tasks = max(peak_tasks, tasks)
        for kind, kb in kinds.items():
            peaks[kind] = max(peaks.get(kind, 0), kb)
        time.sleep(0.1)
    return {
        "exit": process.returncode,
        "seconds": round(time.monotonic() - started, 1),
        "peak_mb": round(peak_kb / 1024),
        "peak_tasks": peak_tasks,
        "peak_mb_by_kind": {kind: round(kb / 1024) for kind, kb in sorted(peaks.items())},
        "at_peak_mb_by_kind": {kind: round(kb / 1024) for kind, kb in sorted(at_peak.items())},
    }


def write_sample_configs(ports: dict[str, int], sites_dir: Path) -> None:
    from tests.conftest import write_sample_configs as write

    write(ports, sites_dir)


def hostile_night(work: Path, tiny: bool) -> list[dict[str, Any]]:
    """The night without the hostile site, then with it (tiny: the hostile site alone)."""
    if not tiny:  # the sizes issue 16 found
        hostile_site.HEADER_FLOOD_BYTES = 110 * 2**20
        hostile_site.LINKS_PER_LIST = 240_000
    nights = []
    with serve_hostile_sites() as (ports, sites), serve_samples(dict.fromkeys(SITE_KINDS, 0)) as sample_ports:
        kinds = ("main", *hostile_site.ROBOTS_HOSTS)
        limits = hostile_site.TEST_LIMITS if tiny else NIGHT_LIMITS
        plans = (
            [("hostile site alone", False, True)]
            if tiny
            else [("sample sites", True, False), ("sample sites + hostile site", True, True)]
        )
        for name, samples, hostile in plans:
            root = work / f"night-{len(nights)}"
            root.mkdir()
            sites_dir = root / "sites"
            sites_dir.mkdir()
            if samples:
                write_sample_configs(sample_ports, sites_dir)
            if hostile:
                write_config(sites_dir, ports, kinds, politeness=limits)
            before = sum(sites["main"].hits.values())
            nights.append(
                {"night": name, **crawl(root, sites_dir), "hostile_pages": sum(sites["main"].hits.values()) - before}
            )
    return nights


class Clock:
    """When each detail page of the ordinary site was asked for, by its server."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.lock = threading.Lock()

    def rate(self) -> float:
        times = sorted(self.times)
        return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0


def ordinary_handler(pages: dict[str, bytes], clock: Clock) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.startswith("/post/"):
                with clock.lock:
                    clock.times.append(time.monotonic())
            page = pages.get(self.path.split("?", 1)[0])
            self.send_response(200 if page is not None else 404)
            self.send_header("Content-Type", "text/plain" if self.path.endswith(".txt") else "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page or b"")))
            self.end_headers()
            self.wfile.write(page or b"")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def heavy_handler(pages: int) -> type[BaseHTTPRequestHandler]:
    page = big_page()
    links = "".join(f"<a class='item' href='/heavy/{n}.html'>{n}</a>" for n in range(pages))
    listing = f"<html><head><meta charset='utf-8'></head><body>{links}</body></html>".encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = listing if self.path == "/list/1.html" else page if self.path.startswith("/heavy/") else b""
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def ordinary_site(pages: int) -> Iterator[tuple[int, Clock]]:
    """bench/crawl_speed.py's generated site, served here so its requests are timed."""
    clock = Clock()
    with serve_handlers({"ordinary": (0, ordinary_handler(site_pages(pages), clock))}) as ports:
        yield ports["ordinary"], clock


def speed(work: Path, pages: int, heavy: int, rounds: int, closing: bool = True) -> list[dict[str, Any]]:
    """The ordinary site's rate in each mode, the modes taken in turn ``rounds`` times (the machine is shared:
    its load drifts), then alone once more (``closing``; not in the tiny run); each mode's rate is the mean of
    its rounds."""
    modes = [("alone", 0), ("beside one 10 MB page", 1), (f"beside {heavy} pages of 10 MB", heavy)]
    runs: dict[str, list[dict[str, Any]]] = {mode: [] for mode, _ in modes}
    with ordinary_site(pages) as (port, clock):
        for number, (mode, heavy_pages) in enumerate([*modes * rounds, *modes[:closing]]):
            run = work / f"run-{number}"
            run.mkdir()
            sites_dir = generated_site(run / "sites", port)
            with serve_handlers({"heavy": (0, heavy_handler(heavy_pages))}) as ports:
                if heavy_pages:
                    (sites_dir / "heavy.yaml").write_text(HEAVY.format(port=ports["heavy"]), encoding="utf-8")
                clock.times.clear()
                result = crawl(run, sites_dir)
            runs[mode].append({"pages": len(clock.times), "pages_per_s": clock.rate(), **result})
    rows = []
    for mode, done in runs.items():
        rates = [run["pages_per_s"] for run in done]
        rows.append(
            {
                "mode": mode,
                "runs": len(done),
                "pages": done[0]["pages"],
                "pages_per_s": round(sum(rates) / len(rates), 1),
                "spread": [round(rate, 1) for rate in rates],
                "peak_mb": max(run["peak_mb"] for run in done),
                "exit": [run["exit"] for run in done],
            }
        )
    for row in rows:
        row["vs_alone"] = round(row["pages_per_s"] / rows[0]["pages_per_s"], 2) if rows[0]["pages_per_s"] else 0.0
    return rows


def report(nights: list[dict[str, Any]], rows: list[dict[str, Any]]) -> None:
    print("## A night with and without the hostile site\n")
    print(
        "| night | exit | seconds | hostile-site requests | peak memory (PSS, tree) | at that moment"
        " | each kind's own peak | peak tasks |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for night in nights:
        at_peak = ", ".join(f"{kind} {mb}" for kind, mb in night["at_peak_mb_by_kind"].items())
        kinds = ", ".join(f"{kind} {mb}" for kind, mb in night["peak_mb_by_kind"].items())
        print(
            f"| {night['night']} | {night['exit']} | {night['seconds']} | {night['hostile_pages']}"
            f" | {night['peak_mb']} MB | {at_peak} | {kinds} | {night['peak_tasks']} |"
        )
    print("\n## The ordinary site's speed beside a heavy one\n")
    print("| ordinary site crawled | its pages | its pages/s (mean; each run) | vs alone | crawl peak memory |")
    print("|---|---|---|---|---|")
    for row in rows:
        each = ", ".join(map(str, row["spread"]))
        print(
            f"| {row['mode']} | {row['pages']} | {row['pages_per_s']} ({each}) | {row['vs_alone']:.2f}"
            f" | {row['peak_mb']} MB |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="the suite's quick run")
    parser.add_argument("--pages", type=int, default=3000, help="pages of the ordinary site")
    parser.add_argument("--heavy", type=int, default=20, help="10 MB pages of the heavy site")
    parser.add_argument("--rounds", type=int, default=2, help="times each mode is crawled, in turn")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args()
    pages, heavy, rounds = (150, 2, 1) if args.tiny else (args.pages, args.heavy, args.rounds)
    with tempfile.TemporaryDirectory(prefix="hostile-night-") as tmp:
        work = Path(tmp)
        nights = hostile_night(work, args.tiny)
        rows = speed(work, pages, heavy, rounds, closing=not args.tiny)
    if args.json:
        print(json.dumps({"nights": nights, "speed": rows}, ensure_ascii=False))
    else:
        report(nights, rows)


if __name__ == "__main__":
    main()
