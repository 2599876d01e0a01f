"""Crawl speed: the full pipeline beside plain Scrapy, and two scrapy-redis workers beside one.

    apt-get install -y nginx redis-server      # Debian's; nothing is fetched from outside 127.0.0.1
    .venv/bin/python bench/crawl_speed.py [--pages 20000] [--skip-redis] [--server nginx|python]

Generates a static site of N detail pages (the sample listings' texts, numbered) behind list
pages of 100 links with 下一页 (tests/support/listing_site.py), serves it with nginx on a free
127.0.0.1 port (``--server python``: a thread in this process, for tiny runs without nginx), and
crawls it, each crawl in its own process, politeness off for all (no delay, no AutoThrottle, 16
requests at a time; the site's robots.txt allows everything, so the full crawl obeys it):

- plain: a bare Scrapy spider that fetches list and detail pages and parses title and body;
- full: TutorWatch's SiteSpider and pipelines (fetch, extract, detect, store, evidence) into a
  fresh store, exactly `tutorwatch crawl` but for the export at the end;
- redis x1, redis x2: `tutorwatch crawl --redis` (writer) with one, then two `tutorwatch worker`.

``--profile FILE`` crawls twice more under cProfile, the full pipeline (stats in FILE) and plain Scrapy
(FILE.plain), so what the full crawl's process does beside plain Scrapy's can be read side by side
(``python -m pstats FILE``).
Prints pages per second, the ratio full/plain, peak memory (max RSS) of each crawl process (and
of the full crawl's detection workers), CPU time per page of each crawl process (on a busy
machine the rates follow the load; the CPU a page costs does not), and the speed-up of two
workers over one. Timings belong here, never in the tests.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import redis
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support: the sample servers, from the checkout

from crawler.scaleout.frontier import WORKERS_KEY
from tests.support.listing_site import PER_LIST, serve_site, site_config, site_pages, write_site
from tests.support.local_redis import free_port, local_redis
from tests.support.processes import adopt_orphans, cpu_seconds, reap_forkservers, spawned_workers

SCRAPY_FAST = {
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "AUTOTHROTTLE_ENABLED": False,
    "LOG_LEVEL": "WARNING",
}
TUTORWATCH = str(Path(sys.executable).parent / "tutorwatch")


@contextmanager
def nginx(root: Path, work: Path) -> Iterator[int]:
    """Debian's nginx serving ``root`` on a free 127.0.0.1 port, one worker process, no access log."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists():
        sys.exit("nginx is not installed: apt-get install -y nginx (or --server python)")
    port = free_port()
    conf = work / "nginx.conf"
    conf.write_text(
        f"daemon off; worker_processes 1; user root; pid {work}/nginx.pid; error_log {work}/error.log;\n"
        "events { worker_connections 1024; }\n"
        f"http {{ access_log off; default_type text/html; client_body_temp_path {work}/tmp;\n"
        f"  proxy_temp_path {work}/tmp; fastcgi_temp_path {work}/tmp; uwsgi_temp_path {work}/tmp;\n"
        f"  scgi_temp_path {work}/tmp; server {{ listen 127.0.0.1:{port}; root {root}; }} }}\n"
    )
    process = subprocess.Popen([binary, "-c", str(conf), "-p", str(work)])
    time.sleep(0.5)
    try:
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def serving(pages: dict[str, bytes], server: str, work: Path) -> Iterator[int]:
    """The site on a free port: by nginx (its own process, for the measurement) or in this process (tiny runs)."""
    if server == "python":
        with serve_site(pages) as port:
            yield port
        return
    write_site(pages, work / "site")
    with nginx(work / "site", work) as port:
        yield port


def write_config(sites_dir: Path, port: int) -> Path:
    sites_dir.mkdir()
    config = site_config(port)  # robots.txt obeyed (the site allows everything): no override needed
    (sites_dir / "generated.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return sites_dir


# --- the crawls, each in a child process (the Twisted reactor runs once per process) ---------------


def child_plain(start_url: str, log: Path) -> dict[str, Any]:
    import scrapy
    from scrapy.crawler import CrawlerProcess

    from crawler.config.settings import base_settings

    class Plain(scrapy.Spider):
        name = "plain"
        known_hosts = ("127.0.0.1",)  # the address guard lets the bench's own loopback site through

        async def start(self):  # type: ignore[override]
            yield scrapy.Request(start_url, callback=self.parse_list)

        def parse_list(self, response):  # type: ignore[no-untyped-def]
            for href in response.css("ul.posts a.post-link::attr(href)").getall():
                yield response.follow(href, callback=self.parse_detail)
            for href in response.xpath("//div[@class='pager']/a[contains(., '下一页')]/@href").getall():
                yield response.follow(href, callback=self.parse_list)

        def parse_detail(self, response):  # type: ignore[no-untyped-def]
            yield {"title": response.css("h1.post-title::text").get(), "body": response.css("div.post-body").get()}

    settings = {**base_settings(log), **SCRAPY_FAST, "ROBOTSTXT_OBEY": False}
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(Plain)
    process.crawl(crawler)
    with crawling() as result:
        process.start()
    return {**result, "pages": crawler.stats.get_value("item_scraped_count", 0)}


@contextmanager
def crawling() -> Iterator[dict[str, Any]]:
    """The seconds of the crawl and the CPU this process and its workers (forked from the forkserver) used
    meanwhile: their start-up (imports, the engine, Scrapy's set-up) is not in the CPU a page costs."""
    workers = spawned_workers(os.getpid())
    result: dict[str, Any] = {}
    cpu, workers_cpu, started = time.process_time(), cpu_seconds(workers), time.monotonic()
    yield result
    result["seconds"] = time.monotonic() - started
    result["crawl_cpu"] = time.process_time() - cpu
    result["workers_crawl_cpu"] = cpu_seconds(workers) - workers_cpu


def child_full(sites_dir: Path, db: Path, log: Path) -> dict[str, Any]:
    from scrapy.crawler import CrawlerProcess

    from crawler.config.settings import scrapy_settings
    from crawler.config.site_config import load_sites
    from crawler.leads.store import LeadStore
    from crawler.pipelines.detect import detection_workers
    from crawler.spiders.site_spider import SiteSpider
    from detectors.engine import EngineConfig

    (site,) = load_sites(sites_dir)
    config = EngineConfig()
    with LeadStore(db) as store:
        run_id = store.start_run("crawl")
    process = CrawlerProcess({**scrapy_settings(db, run_id, log, config), **SCRAPY_FAST})
    crawler = process.create_crawler(SiteSpider.for_site(site))
    process.crawl(crawler)
    with detection_workers(config), crawling() as result:  # as `tutorwatch crawl` starts them: engines built
        process.start()
    return {**result, "pages": crawler.stats.get_value("item_scraped_count", 0)}


def run_child(*args: str) -> dict[str, Any]:
    """The child's result, with the CPU time of the detection workers: they are forked by a forkserver that
    outlives the child by a moment, so this process adopts and reaps it before reading ``RUSAGE_CHILDREN``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=True)
    reap_forkservers()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = json.loads(out.stdout.splitlines()[-1])
    tree = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    result["workers_cpu"] = max(0.0, tree - result["cpu"])  # the forkserver and its workers (full crawl)
    return result


# --- scrapy-redis: writer + N workers --------------------------------------------------------------


def redis_run(sites_dir: Path, work: Path, workers: int, pages: int) -> dict[str, Any]:
    """Writer and N workers started together; the rate is over the workers' first to last page."""
    with local_redis() as url:
        server = redis.Redis.from_url(url)
        base = [TUTORWATCH, "--db", str(work / "leads.db"), "--reports-dir", str(work / "reports")]
        base += ["--sites-dir", str(sites_dir)]
        writer = subprocess.Popen([*base, "crawl", "--redis", url, "--wait", "120"], stdout=subprocess.DEVNULL)
        crew = [
            subprocess.Popen([*base, "worker", "--redis", url, "--idle-timeout", "120"], stdout=subprocess.DEVNULL)
            for _ in range(workers)
        ]
        first = last = None
        done = 0
        while writer.poll() is None:
            done = sum(json.loads(v)["listings"] for v in server.hvals(WORKERS_KEY))
            if done and first is None:
                first = time.monotonic()
            if done >= pages and last is None:
                last = time.monotonic()
            time.sleep(0.1)
        for process in crew:
            process.wait(timeout=60)
    assert first is not None and last is not None, f"{done} of {pages} pages"
    return {"pages": done, "seconds": last - first}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=20_000)
    parser.add_argument("--skip-redis", action="store_true")
    parser.add_argument(
        "--server", choices=("nginx", "python"), default="nginx", help="python: no nginx needed (tiny runs)"
    )
    parser.add_argument("--profile", type=Path, help="also profile both crawls: FILE, FILE.plain")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    adopt_orphans()
    if args.child:
        kind, *rest = args.child
        if kind == "plain":
            result = child_plain(rest[0], Path(rest[1]))
        elif kind in ("profile", "profile-plain"):  # a crawl under cProfile (its main thread: the reactor, pipelines)
            profile = cProfile.Profile(time.process_time)  # CPU: waiting for the workers or the GIL is not counted
            if kind == "profile":
                result = profile.runcall(child_full, *map(Path, rest[1:]))
            else:
                result = profile.runcall(child_plain, rest[1], Path(rest[2]))
            profile.dump_stats(rest[0])
        else:
            result = child_full(*map(Path, rest))
        own = resource.getrusage(resource.RUSAGE_SELF)
        result["max_rss_mb"] = own.ru_maxrss / 1024
        result["cpu"] = own.ru_utime + own.ru_stime
        print(json.dumps(result))
        return
    with tempfile.TemporaryDirectory(prefix="crawl-speed-") as tmp:
        work = Path(tmp)
        work.chmod(0o755)
        (work / "tmp").mkdir()
        with serving(site_pages(args.pages), args.server, work) as port:
            sites_dir = write_config(work / "sites", port)
            start = f"http://127.0.0.1:{port}/list/1.html"
            plain = run_child("plain", start, str(work / "plain.log"))
            full = run_child("full", str(sites_dir), str(work / "full.db"), str(work / "full.log"))
            if args.profile:
                profiled = (str(args.profile.resolve()), str(sites_dir), str(work / "p.db"), str(work / "p.log"))
                run_child("profile", *profiled)
                run_child("profile-plain", f"{args.profile.resolve()}.plain", start, str(work / "pp.log"))
            results = {"plain": plain, "full": full}
            if not args.skip_redis:
                for n in (1, 2):
                    (work / f"redis{n}").mkdir()
                    results[f"redis x{n}"] = redis_run(sites_dir, work / f"redis{n}", n, args.pages)
    lists = (args.pages + PER_LIST - 1) // PER_LIST
    print(f"{args.pages} detail pages (+{lists} list pages), served by {args.server} on 127.0.0.1")
    for name, r in results.items():
        if not r["pages"]:
            sys.exit(f"bench: the {name} crawl fetched no page (see its log)")
        rss = f"  max RSS {r['max_rss_mb']:.0f} MB" if "max_rss_mb" in r else ""
        cpu = ""
        if "cpu" in r:
            during, whole = r["crawl_cpu"] / r["pages"] * 1000, r["cpu"] / r["pages"] * 1000
            cpu = f"  CPU ms/page {during:.2f} crawling, {whole:.1f} with start-up"
        if name == "full":
            during, whole = (r[key] / r["pages"] * 1000 for key in ("workers_crawl_cpu", "workers_cpu"))
            cpu += f" (+ detection workers {during:.2f} crawling, {whole:.1f} with start-up)"
        print(f"{name:10} {r['pages'] / r['seconds']:7.1f} pages/s  ({r['pages']} in {r['seconds']:.1f} s){rss}{cpu}")
    print(f"full / plain: {full['pages'] / full['seconds'] / (plain['pages'] / plain['seconds']):.2f}")
    per_page = {name: r["crawl_cpu"] / r["pages"] for name, r in (("plain", plain), ("full", full))}
    print(f"crawl-process CPU per page while crawling, plain / full: {per_page['plain'] / per_page['full']:.2f}")
    total = (full["crawl_cpu"] + full["workers_crawl_cpu"]) / full["pages"]
    print(f"all CPU per page while crawling, plain / full (crawl process + workers): {per_page['plain'] / total:.2f}")
    if not args.skip_redis:
        one, two = results["redis x1"], results["redis x2"]
        print(f"two workers / one: {(two['pages'] / two['seconds']) / (one['pages'] / one['seconds']):.2f}")


if __name__ == "__main__":
    main()
