"""Commands that fetch: crawl (local or the scale-out writer), worker, check."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
from rich.markup import escape

from crawler.cli.display import print_analysis, print_judged, print_page_facts, print_sites
from crawler.cli.main import PARTIAL_EXIT, cli, console, export_settings
from crawler.config.site_config import load_sites
from crawler.errors import FetchError, TutorWatchError
from crawler.leads.encodings import decode_hand_edited
from detectors.clean_text import clean_text
from detectors.engine import Engine


def _http_url(url: str, where: str = "URL") -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise click.BadParameter(f"{url!r} is not an http(s) URL", param_hint=where)
    return url.strip()


def _listed_urls(path: Path) -> list[str]:
    """URLs of a hotline file, one a line, # comments; UTF-8 or GBK (Notepad on Chinese Windows)."""
    try:
        text = decode_hand_edited(path.read_bytes())
    except OSError as exc:
        raise TutorWatchError(f"{path}: cannot read: {exc.strerror}") from None
    if text is None:
        raise TutorWatchError(f"{path}: neither UTF-8 nor GBK/GB18030 text")
    lines = enumerate(text.splitlines(), start=1)
    return [_http_url(url, f"{path}:{n}") for n, line in lines if (url := line.split("#", 1)[0].strip())]


@cli.command()
@click.option("--site", "only", multiple=True, metavar="SITE_ID", help="Crawl only this site (repeatable).")
@click.option(
    "--redis",
    "redis_url",
    metavar="URL",
    help="Scale out: seed redis://HOST:PORT/DB, let `tutorwatch worker` processes crawl, store what they find.",
)
@click.option(
    "--wait",
    type=float,
    default=600,
    show_default=True,
    help="With --redis: give up after this many seconds without any live worker.",
)
@click.pass_obj
def crawl(obj: dict, only: tuple[str, ...], redis_url: str | None, wait: float) -> None:
    """Crawl every configured site (or --site ones), detect, write the leads files and the morning report.

    Writes reports/leads.csv (all leads), reports/leads-YYYY-MM-DD.csv (new or changed today)
    and reports/runs/YYYY-MM-DD/ (summary.json, report.html). One crawl at a time per database.
    Exit 0: every site finished and yielded listings; 3: some sites failed; 5: all failed;
    7: another crawl is running.
    """
    from crawler.fetching.rendering import require_browser
    from crawler.leads.store import LeadStore
    from crawler.pipelines.detect import detection_workers
    from crawler.reporting.render import write_night_report
    from crawler.runs.field_health import field_gaps
    from crawler.runs.lock import crawl_lock
    from crawler.runs.runner import run
    from crawler.scaleout.writer import crawl_redis
    from crawler.spiders.site_spider import SiteSpider

    sites = load_sites(obj["sites"], only)
    for site in sites:
        if site.render:
            require_browser(f"site {site.site_id} (render: {str(site.render).lower()})")
    if redis_url:
        Engine.shared(obj["engine"])  # a broken rule file or model fails here, before anything is fetched
    export = export_settings(obj, "if-new", load_sites(obj["sites"]))  # every site's name, not only those crawled
    with crawl_lock(obj["db"]):
        started = time.monotonic()
        if redis_url:
            outcome = crawl_redis(sites, redis_url, obj["db"], obj["reports"], obj["verbose"], wait, export)
        else:
            spiders = [(SiteSpider.for_site(s), {}) for s in sites]
            with detection_workers(obj["engine"]):  # a broken rule file or model fails here, before any fetch
                outcome = run(
                    "crawl",
                    spiders,
                    obj["db"],
                    obj["reports"],
                    obj["verbose"],
                    obj["contact"],
                    obj["engine"],
                    resume=True,
                    export=export,
                )
        with LeadStore(obj["db"]) as store:
            report = write_night_report(store, outcome.run_id, obj["reports"], export.site_names, obj["tz"])
    print_sites(console, outcome.sites)
    console.print(
        f"{outcome.leads} leads in {obj['reports']}/leads.csv, {outcome.todays} new or changed today"
        f" ({time.monotonic() - started:.1f}s); report: {report}"
    )
    if outcome.workbook is not None:
        console.print(f"to review: {outcome.workbook}")
    for site in outcome.sites:
        if site.health != "ok":
            level = "FAILED" if site.health == "failed" else "warning"
            click.echo(f"tutorwatch: {level}: {site.site}: {site.problem}", err=True)
    with LeadStore(obj["db"]) as store:
        for gap in field_gaps(store, outcome.run_id):
            if gap.broken:
                click.echo(f"tutorwatch: warning: {gap.site}: {gap.problem}", err=True)
    if outcome.status == "failed":
        raise FetchError(f"every site failed (see {report} and the log in {obj['reports']}/logs/)")
    if outcome.status == "partial":
        sys.exit(PARTIAL_EXIT)


@cli.command()
@click.option("--redis", "redis_url", required=True, metavar="URL", help="The crawl's Redis, redis://HOST:PORT/DB.")
@click.option("--site", "only", multiple=True, metavar="SITE_ID", help="Work only on this site (repeatable).")
@click.option(
    "--idle-timeout",
    type=float,
    default=600,
    show_default=True,
    help="Stop after this many seconds without a page, unless the crawl it works for ends first.",
)
@click.pass_obj
def worker(obj: dict, redis_url: str, only: tuple[str, ...], idle_timeout: float) -> None:
    """Crawl for a `crawl --redis` writer: fetch, extract and detect; the writer stores.

    Takes requests from the shared frontier in Redis until the writer marks the crawl done.
    Exit 0: done; 3: a site ended otherwise (idle timeout, page limit).
    """
    from crawler.runs.health import SiteHealth
    from crawler.runs.runner import log_path
    from crawler.scaleout.worker import run_worker

    sites = load_sites(obj["sites"], only)
    Engine.shared(obj["engine"])
    log_file = log_path(obj["reports"], "worker", obj["verbose"])
    rows = run_worker(sites, redis_url, log_file, idle_timeout, obj["engine"], obj["contact"])
    ended = {True: ("ok", ""), False: ("low", "not finished by the writer")}
    print_sites(
        console,
        [
            SiteHealth(
                r["site"],
                r["pages"],
                r["listings"],
                r["errors"],
                r["finish_reason"],
                0,
                *ended[r["finish_reason"] == "finished"],
            )
            for r in rows
        ],
    )
    unfinished = [row["site"] for row in rows if row["finish_reason"] != "finished"]
    if unfinished:
        click.echo(f"tutorwatch: warning: not finished by the writer: {', '.join(unfinished)}", err=True)
        sys.exit(PARTIAL_EXIT)


@cli.command()
@click.argument("urls", nargs=-1)
@click.option(
    "--from",
    "from_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File of URLs, one a line (e.g. from the complaints hotline); # starts a comment.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--render", is_flag=True, help="Render the pages in headless Chromium (pages built by JavaScript).")
@click.option(
    "--trust-host",
    "trusted",
    multiple=True,
    metavar="HOST",
    help="Fetch HOST even though it is on a private or loopback address (an intranet copy of a page).",
)
@click.pass_obj
def check(
    obj: dict, urls: tuple[str, ...], from_file: Path | None, fmt: str, render: bool, trusted: tuple[str, ...]
) -> None:
    """Fetch pages now, detect, print the findings and record the leads.

    A URL whose host matches a site config is extracted with that config; any other page by
    its main text. Hosts no config names are fetched only on public addresses (--trust-host
    names an exception). With --render a PNG screenshot is kept with the evidence. Exit 0: all
    fetched; 3: some failed; 5: all failed.
    """
    from zoneinfo import ZoneInfo

    from crawler.cli.page_facts import page_facts
    from crawler.fetching.rendering import require_browser
    from crawler.leads.store import LeadStore, evidence_dir
    from crawler.runs.runner import run
    from crawler.spiders.check_spider import CheckSpider

    wanted = [_http_url(u) for u in urls if u] + (_listed_urls(from_file) if from_file else [])
    if not wanted:
        raise click.UsageError("give at least one URL, or --from FILE")
    wanted = list(dict.fromkeys(wanted))
    sites = load_sites(obj["sites"])
    engine = Engine.shared(obj["engine"])
    if render:
        require_browser("check --render")
    results: dict[str, Any] = {}
    spider = CheckSpider.rendering(wanted) if render else CheckSpider
    outcome = run(
        "check",
        [(spider, {"urls": wanted, "sites": sites, "results": results, "trusted": trusted})],
        obj["db"],
        obj["reports"],
        obj["verbose"],
        obj["contact"],
        obj["engine"],
        export=export_settings(obj, sites=sites),
    )
    from crawler.images.reading import read_json

    failed = [url for url in wanted if not hasattr(results.get(url), "listing")]
    out = []
    with LeadStore(obj["db"]) as store:
        for url in wanted:
            result = results.get(url, "not fetched")
            if isinstance(result, str):
                out.append({"url": url, "error": result})
                if fmt == "text":
                    console.print(f"[bold yellow]FAILED 未能取回[/] {escape(clean_text(f'{url}: {result}'))}")
                continue
            listing = result.listing
            analysis = result.analysis or engine.analyze(listing.document())
            row = store.read.lead_by_url(listing.url)
            seen = store.read.lead_outcome(outcome.run_id, row["lead_id"]) if row is not None else ""
            facts = page_facts(url, listing, analysis, row, seen, evidence_dir(obj["db"]), ZoneInfo(obj["tz"]))
            facts["images"] = [
                read_json(read) for read in result.image_reads
            ]  # the page's pictures: what became of each
            out.append(facts)
            if fmt == "text":
                print_analysis(console, f"{url} — {listing.title}", analysis)
                print_page_facts(console, facts)
                print_judged(console, listing.title, listing.body)
    if fmt == "json":
        click.echo(json.dumps(out, ensure_ascii=False, indent=2, allow_nan=False))
    if failed and len(failed) == len(wanted):
        raise FetchError(f"could not fetch {failed[0]}: {results.get(failed[0], 'not fetched')}")
    if failed:
        sys.exit(PARTIAL_EXIT)
