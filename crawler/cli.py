"""The ``tutorwatch`` command: a thin layer over the crawler, the leads store and the detectors."""

from __future__ import annotations

import io
import json
import sys
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

import click
from rich.console import Console

from crawler.display import print_analysis, print_sites
from crawler.encodings import decode_hand_edited
from crawler.leads.store import DEFAULT_DB
from crawler.scan_input import guess_format, read_items
from crawler.site_config import SITES_DIR, load_sites
from detectors import analyze
from detectors.analysis import load_detectors, rule_detector
from detectors.catalogue import RULES_DIR
from detectors.categories import CATEGORIES
from detectors.contract import analysis_json
from detectors.errors import ConfigError, FetchError, TutorWatchError

REPORTS_DIR = Path(__file__).resolve().parent.parent / "reports"
PARTIAL_EXIT = 3
console = Console(highlight=False)


class TutorWatchGroup(click.Group):
    """Turns every TutorWatchError, and click's usage errors, into one line on stderr and its exit code."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:  # a bad global option
            _usage_error(exc)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TutorWatchError as exc:
            click.echo(f"tutorwatch: error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except click.UsageError as exc:  # a bad command, argument or option
            _usage_error(exc)


def _usage_error(exc: click.UsageError) -> NoReturn:
    """Click's three-line usage message as one line, with its exit code (2); a bare group still shows its help."""
    if isinstance(exc, click.exceptions.NoArgsIsHelpError):
        raise exc
    where = exc.ctx.command_path if exc.ctx else "tutorwatch"
    click.echo(f"tutorwatch: error: {exc.format_message()} (see {where} --help)", err=True)
    sys.exit(exc.exit_code)


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


@click.group(cls=TutorWatchGroup)
@click.option(
    "--db",
    type=click.Path(path_type=Path),
    default=DEFAULT_DB,
    envvar="TUTORWATCH_DB",
    show_default=True,
    help="Leads database (SQLite).",
)
@click.option(
    "--reports-dir",
    type=click.Path(path_type=Path),
    default=REPORTS_DIR,
    envvar="TUTORWATCH_REPORTS",
    show_default=True,
    help="Where the leads files are written.",
)
@click.option(
    "--sites-dir",
    type=click.Path(path_type=Path),
    default=SITES_DIR,
    envvar="TUTORWATCH_SITES",
    show_default=True,
    help="Directory of site configs (<site_id>.yaml).",
)
@click.option(
    "--contact",
    envvar="TUTORWATCH_CONTACT",
    default="",
    help="Phone or mail of the bureau running the crawl, sent in the User-Agent so site owners can reach you.",
)
@click.option("-v", "--verbose", is_flag=True, help="Crawl log to stderr instead of reports/logs/.")
@click.pass_context
def cli(ctx: click.Context, db: Path, reports_dir: Path, sites_dir: Path, contact: str, verbose: bool) -> None:
    """TutorWatch: find illegal off-campus tutoring (双减) on tutoring, job and 家政 sites.

    Crawls the configured sites, flags listings that break the rules with the policy clause
    behind each finding, and writes leads spreadsheets for investigators under reports/.
    """
    if isinstance(sys.stdout, io.TextIOWrapper):  # crawled text must never crash a print (a lone surrogate)
        sys.stdout.reconfigure(errors="replace")
    ctx.obj = {"db": db, "reports": reports_dir, "sites": sites_dir, "verbose": verbose, "contact": contact}


@cli.command()
@click.option("--site", "only", multiple=True, metavar="SITE_ID", help="Crawl only this site (repeatable).")
@click.option(
    "--serve-samples",
    is_flag=True,
    help="Serve the bundled sample sites on 127.0.0.1 (ports from their configs) for this crawl.",
)
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
def crawl(obj: dict, only: tuple[str, ...], serve_samples: bool, redis_url: str | None, wait: float) -> None:
    """Crawl every configured site (or --site ones), detect, write the leads files and the morning report.

    Writes reports/leads.csv (all leads), reports/leads-YYYY-MM-DD.csv (new or changed today)
    and reports/runs/YYYY-MM-DD/ (summary.json, report.html). One crawl at a time per database.
    Exit 0: every site finished and yielded listings; 3: some sites failed; 5: all failed;
    7: another crawl is running.
    """
    from crawler.leads.store import LeadStore
    from crawler.lock import crawl_lock
    from crawler.rendering import require_browser
    from crawler.reporting.render import write_night_report
    from crawler.runner import run
    from crawler.sample_server import sample_ports
    from crawler.sample_server import serve_samples as serve
    from crawler.scaleout.writer import crawl_redis
    from crawler.spiders.site_spider import SiteSpider

    sites = load_sites(obj["sites"], only)
    for site in sites:
        if site.render:
            require_browser(f"site {site.site_id} (render: {str(site.render).lower()})")
    load_detectors()  # a broken rule file or model fails here, before anything is fetched
    with crawl_lock(obj["db"]):
        samples = sample_ports(sites)
        started = time.monotonic()
        with serve(samples) if serve_samples else nullcontext():
            if redis_url:
                outcome = crawl_redis(sites, redis_url, obj["db"], obj["reports"], obj["verbose"], wait)
            else:
                spiders = [(SiteSpider.for_site(s), {}) for s in sites]
                outcome = run("crawl", spiders, obj["db"], obj["reports"], obj["verbose"], obj["contact"], resume=True)
        with LeadStore(obj["db"]) as store:
            report = write_night_report(store, outcome.run_id, obj["reports"])
    print_sites(console, outcome.sites)
    console.print(
        f"{outcome.leads} leads in {obj['reports']}/leads.csv, {outcome.todays} new or changed today"
        f" ({time.monotonic() - started:.1f}s); report: {report}"
    )
    for site in outcome.sites:
        if site.health != "ok":
            level = "FAILED" if site.health == "failed" else "warning"
            click.echo(f"tutorwatch: {level}: {site.site}: {site.problem}", err=True)
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
    from crawler.health import SiteHealth
    from crawler.runner import log_path
    from crawler.scaleout.worker import run_worker

    sites = load_sites(obj["sites"], only)
    load_detectors()
    log_file = log_path(obj["reports"], "worker", obj["verbose"])
    rows = run_worker(sites, redis_url, log_file, idle_timeout, obj["contact"])
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
@click.pass_obj
def check(obj: dict, urls: tuple[str, ...], from_file: Path | None, fmt: str, render: bool) -> None:
    """Fetch pages now, detect, print the findings and record the leads.

    A URL whose host matches a site config is extracted with that config; any other page by
    its main text. With --render a PNG screenshot is kept with the evidence. Exit 0: all
    fetched; 3: some failed; 5: all failed.
    """
    from crawler.rendering import require_browser
    from crawler.runner import run
    from crawler.spiders.check_spider import CheckSpider

    wanted = [_http_url(u) for u in urls if u] + (_listed_urls(from_file) if from_file else [])
    if not wanted:
        raise click.UsageError("give at least one URL, or --from FILE")
    wanted = list(dict.fromkeys(wanted))
    sites = load_sites(obj["sites"])
    load_detectors()
    if render:
        require_browser("check --render")
    results: dict[str, Any] = {}
    run(
        "check",
        [(CheckSpider.rendering() if render else CheckSpider, {"urls": wanted, "sites": sites, "results": results})],
        obj["db"],
        obj["reports"],
        obj["verbose"],
        obj["contact"],
    )
    failed = [url for url in wanted if not hasattr(results.get(url), "listing")]
    out = []
    for url in wanted:
        result = results.get(url, "not fetched")
        if isinstance(result, str):
            out.append({"url": url, "error": result})
            if fmt == "text":
                console.print(f"[bold yellow]FAILED[/] {url}: {result}")
            continue
        analysis = result.analysis or analyze(result.listing.title, result.listing.body, result.listing.platform)
        out.append(
            {
                "url": url,
                "canonical_url": result.listing.url,
                "site": result.listing.site,
                "title": result.listing.title,
                **analysis_json(url, analysis),
            }
        )
        if fmt == "text":
            print_analysis(console, f"{url} — {result.listing.title}", analysis)
    if fmt == "json":
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    if failed and len(failed) == len(wanted):
        raise FetchError(f"could not fetch {failed[0]}: {results.get(failed[0], 'not fetched')}")
    if failed:
        sys.exit(PARTIAL_EXIT)


@cli.command()
@click.argument("source", default="-", type=click.Path(allow_dash=True, dir_okay=False, path_type=str))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", "text", "html", "jsonl"]),
    default="auto",
    show_default=True,
    help="Input format; auto goes by the file extension (stdin: text).",
)
@click.option(
    "--platform",
    type=click.Choice(["tutoring", "recruitment", "housekeeping", "social"]),
    help="Platform the text comes from (jsonl lines may carry their own).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines (the jsonl contract) for text/html input too.")
def scan(source: str, fmt: str, platform: str | None, as_json: bool) -> None:
    """Analyse text without crawling: a file or stdin (-), as text, HTML or JSON Lines.

    JSON Lines in: {"id", "title", "text", "platform"?} per line. Out: one JSON object per
    line in the same order: {"id", "flagged", "score", "categories", "findings": [{"category",
    "rule", "text", "start", "end", "basis", ...}]}; start/end index title + "\\n" + text.
    """
    try:
        data = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
        content = data.decode("utf-8-sig")
    except OSError as exc:
        raise TutorWatchError(f"{source}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise TutorWatchError(
            f"{'stdin' if source == '-' else source}: not UTF-8 text (byte {exc.start}); convert it"
            " (e.g. iconv -f GBK -t UTF-8)"
        ) from None
    if fmt == "auto":
        fmt = "text" if source == "-" else guess_format(source)
    load_detectors()
    bad = 0
    for item in read_items(content, fmt, platform, source):
        if item.error is not None:
            bad += 1
            click.echo(f"tutorwatch: error: {item.error}", err=True)
            record = {
                "id": item.id,
                "flagged": False,
                "score": 0.0,
                "categories": [],
                "findings": [],
                "error": item.error,
            }
            click.echo(json.dumps(record, ensure_ascii=False))
            continue
        analysis = analyze(item.title, item.text, item.platform)
        if fmt == "jsonl" or as_json:
            click.echo(json.dumps(analysis_json(item.id, analysis), ensure_ascii=False))
        else:
            print_analysis(console, item.title or str(item.id), analysis)
    if bad:
        sys.exit(1)


@cli.group()
def rules() -> None:
    """Check the rule catalogue (rules/) after editing it."""


@rules.command("lint")
def rules_lint() -> None:
    """Validate rule files: categories, ids, clauses, regexes, lexicons."""
    catalogue = rule_detector(RULES_DIR).catalogue
    console.print(f"{len(catalogue.rules)} rules, {len(catalogue.lexicons)} lexicons: OK")


@rules.command("test")
def rules_test() -> None:
    """Run every rule's annotated examples (rules/<category>.txt)."""
    from detectors.rule_examples import check_examples

    problems = check_examples(RULES_DIR)
    for line in problems:
        click.echo(line, err=True)
    if problems:
        raise ConfigError(f"{len(problems)} rule example problem(s)")
    console.print("all rule examples pass")


@cli.command("evaluate")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--split",
    type=click.Choice(["train", "dev", "test", "all"]),
    default="test",
    show_default=True,
    help="Which families to score (split by a hash of the family id).",
)
@click.option("--misses", is_flag=True, help="List missed and falsely flagged listings (train and dev only).")
@click.option(
    "--robustness",
    is_flag=True,
    help="Disguise the key words of plain violations one evasion at a time; count what stays flagged.",
)
@click.option(
    "--ablation",
    is_flag=True,
    help="Rules alone, classifier alone and combined; writes a precision-recall curve PNG to reports/.",
)
@click.pass_obj
def evaluate_command(
    obj: dict, files: tuple[Path, ...], split: str, misses: bool, robustness: bool, ablation: bool
) -> None:
    """Score the detectors on labelled listings (default: data/labels, sample sites): P/R/F1 by category, form.

    Only the train and dev splits may be read listing by listing (--misses); the test split is
    reported in aggregate, so its figures stay a fair estimate on listings nothing was fitted to.
    """
    from detectors.evaluation import (
        evaluate,
        format_ablation,
        format_confusion,
        format_report,
        labelled_files,
        load_labelled,
        split_of,
        summary,
        write_curve,
    )

    if misses and split not in ("train", "dev"):
        raise click.UsageError("--misses is for the train and dev splits; test listings are never read one by one")
    items = load_labelled(files or labelled_files())
    chosen = [item for item in items if split == "all" or split_of(item.family) == split]
    if not chosen:
        raise TutorWatchError("no labelled listings in that split")
    if robustness:
        from detectors.evasions import format_robustness
        from detectors.evasions import robustness as measure

        plain = [(i.title, i.text, i.platform) for i in chosen if i.form == "plain"]
        click.echo(format_robustness(measure(plain)))
        return
    if ablation:
        reports = {
            "rules": evaluate(chosen, use_model=False),
            "classifier": evaluate(chosen, use_rules=False),
            "combined": evaluate(chosen),
        }
        click.echo(format_ablation({mode: summary(r) for mode, r in reports.items()}))
        curve = write_curve(reports, obj["reports"] / f"pr-curve-{split}.png", split)
        click.echo(f"precision-recall curve: {curve}")
        return
    report = evaluate(chosen)
    click.echo(format_report(report))
    click.echo("\nMost frequent wrong extra categories:\n" + format_confusion(report))
    if misses:
        for item in report.missed:
            click.echo(f"MISSED {item.id} {sorted(item.categories)} [{item.form}] {item.title} | {item.text[:120]!r}")
        for item, spans in report.false_alarms:
            click.echo(f"FALSE  {item.id} {item.title} | {spans}")


@cli.command("export")
@click.option("--region", help="Only leads whose city or district is this (岳阳楼区, 河源市 …).")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="Only leads changed on or after this date.")
@click.option("--category", type=click.Choice(sorted(CATEGORIES)), help="Only leads with this category.")
@click.option("--min-score", type=click.FloatRange(0, 1), default=0.0, show_default=True)
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), help="Directory to write to (default: reports/)."
)
@click.pass_obj
def export_command(
    obj: dict, region: str | None, since: Any, category: str | None, min_score: float, out: Path | None
) -> None:
    """Write leads.csv, leads.xlsx and today's leads-YYYY-MM-DD.csv from the store, optionally filtered."""
    from crawler.leads.export import export_store
    from crawler.leads.filters import Filters
    from crawler.leads.store import LeadStore

    chosen = Filters(region, since.date().isoformat() if since else None, category, min_score)
    target = out or obj["reports"]
    with LeadStore(obj["db"]) as store:
        total, todays = export_store(store, target, chosen=chosen)
    console.print(f"{total} leads in {target}/leads.csv and leads.xlsx, {todays} in today's file")


@cli.group()
def review() -> None:
    """The analyst's verdicts: import them from the spreadsheet, export them as training labels."""


@review.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def review_import(obj: dict, file: Path) -> None:
    """Merge verdicts (确认/排除/调查中) and notes from an edited leads.xlsx or leads.csv (UTF-8 or GBK).

    All or nothing: an unknown lead_id, a bad verdict or a wrong header writes nothing. A blank
    cell never erases a verdict or a note. The leads files are rewritten afterwards.
    """
    from crawler.leads.export import export_store
    from crawler.leads.review import import_review
    from crawler.leads.store import LeadStore

    with LeadStore(obj["db"]) as store:
        verdicts, notes = import_review(store, file)
        export_store(store, obj["reports"])
    console.print(f"{verdicts} verdicts and {notes} notes imported from {file}")


@review.command("labels")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="JSON Lines file to write (for `tutorwatch train --extra`).",
)
@click.pass_obj
def review_labels(obj: dict, out: Path) -> None:
    """Export confirmed leads (with their categories) and dismissed ones (clean) as labelled listings."""
    from crawler.leads.export import write_atomic
    from crawler.leads.review import labelled_jsonl
    from crawler.leads.store import LeadStore

    with LeadStore(obj["db"]) as store:
        text = labelled_jsonl(store)
    write_atomic(out, text.encode("utf-8"))
    console.print(f"{text.count(chr(10))} labelled listings written to {out}")


@cli.group()
def evidence() -> None:
    """The pages kept as evidence (WARC files beside the database)."""


@evidence.command("verify")
@click.pass_obj
def evidence_verify(obj: dict) -> None:
    """Re-hash every lead's evidence record; list any that is missing, truncated or altered."""
    from crawler.evidence import verify
    from crawler.leads.store import LeadStore, evidence_dir

    folder = evidence_dir(obj["db"])
    with LeadStore(obj["db"]) as store:
        rows = store.conn.execute("SELECT * FROM leads WHERE evidence_file != '' ORDER BY lead_id").fetchall()
    bad = []
    for row in rows:
        problem = verify(
            folder, row["evidence_file"], row["evidence_offset"], row["evidence_length"], row["evidence_sha256"]
        )
        if problem:
            bad.append(f"{row['lead_id']}: {problem}")
    for line in bad:
        click.echo(line)
    console.print(f"{len(rows) - len(bad)} of {len(rows)} evidence records verified")
    if bad:
        raise TutorWatchError(f"{len(bad)} evidence record(s) do not match their SHA-256")


@evidence.command("show")
@click.argument("lead")
@click.option("--extract", type=click.Path(dir_okay=False, path_type=Path), help="Write the original page here.")
@click.option(
    "--screenshot",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the PNG screenshot here (pages rendered in the browser).",
)
@click.pass_obj
def evidence_show(obj: dict, lead: str, extract: Path | None, screenshot: Path | None) -> None:
    """Print what is kept for a lead (URL, fetch time, file, offset, SHA-256, headers, screenshot); extract them."""
    from crawler.evidence import kept_page, verify
    from crawler.leads.export import write_atomic
    from crawler.leads.store import LeadStore, evidence_dir

    with LeadStore(obj["db"]) as store:
        row = store.conn.execute("SELECT * FROM leads WHERE lead_id = ?", (lead,)).fetchone()
    if row is None:
        raise TutorWatchError(f"no lead {lead!r}")
    if not row["evidence_file"]:
        raise TutorWatchError(f"lead {lead} has no evidence kept")
    folder = evidence_dir(obj["db"])
    where = (row["evidence_file"], row["evidence_offset"], row["evidence_length"])
    page = kept_page(folder, *where)
    problem = verify(folder, *where, row["evidence_sha256"])
    png = f"PNG, {len(page.screenshot)} bytes" if page.screenshot is not None else "none (fetched over plain HTTP)"
    click.echo(
        f"lead {lead}: {row['title']}\nurl: {page.url}\nfetched: {row['fetched_at']}\n"
        f"file: {folder / row['evidence_file']} @ {row['evidence_offset']} ({row['evidence_length']} bytes)\n"
        f"sha256: {row['evidence_sha256']} ({'verified' if problem is None else problem})\n"
        f"screenshot: {png}\n\n{page.head.strip()}"
    )
    if extract is not None:
        write_atomic(extract, page.body)
        click.echo(f"\npage ({len(page.body)} bytes) written to {extract}")
    if screenshot is not None:
        if page.screenshot is None:
            raise TutorWatchError(f"lead {lead} has no screenshot: its page was fetched over plain HTTP")
        write_atomic(screenshot, page.screenshot)
        click.echo(f"screenshot ({len(page.screenshot)} bytes) written to {screenshot}")


@cli.command()
@click.pass_obj
def stats(obj: dict) -> None:
    """Precision per rule and per category from the analysts' verdicts: which rules waste their time."""
    from crawler.leads.stats import verdict_stats
    from crawler.leads.store import LeadStore

    with LeadStore(obj["db"]) as store:
        click.echo(verdict_stats(store))


@cli.command("report")
@click.option("--from", "start", type=click.DateTime(formats=["%Y-%m-%d"]), required=True, help="First day.")
@click.option("--to", "end", type=click.DateTime(formats=["%Y-%m-%d"]), required=True, help="Last day (inclusive).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write to (default: reports/periods/<from>_<to>/).",
)
@click.pass_obj
def report_command(obj: dict, start: Any, end: Any, out: Path | None) -> None:
    """Write the report of a period (e.g. a quarter): summary.json and report.html.

    Three sections, as the plans ask of counties: 基本情况 (crawls, site health, leads), 问题发现
    (leads by category, district and site) and 执法成果 (verdict outcomes, confirmed cases with
    their evidence file@offset and SHA-256, for the public exposure of cases).
    """
    from crawler.leads.store import LeadStore
    from crawler.reporting.render import period_folder, write_period_report

    if start > end:
        raise click.BadParameter(f"--from {start:%Y-%m-%d} is after --to {end:%Y-%m-%d}", param_hint="--from")
    first, last = start.date(), end.date()
    with LeadStore(obj["db"]) as store:
        page = write_period_report(store, first, last, out or period_folder(obj["reports"], first, last))
    console.print(f"report for {first} to {last}: {page} (and summary.json beside it)")


@cli.command()
@click.option("--name", default="tutorwatch", show_default=True, help="Model name: data/models/<name>.pkl.gz.")
@click.option(
    "--extra",
    "extra",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Extra labelled JSON Lines (e.g. reviewed leads), added to the training data (repeatable).",
)
def train(name: str, extra: tuple[Path, ...]) -> None:
    """Train the classifier on the train split of data/labels (+ --extra); write the model and its card.

    Prints the ablation (rules / classifier / combined) on the dev and test splits.
    """
    import re as regex

    from detectors.evaluation import Summary as _Summary
    from detectors.evaluation import format_ablation, labelled_files, load_labelled
    from detectors.training import train as fit_model

    if not regex.fullmatch(r"[a-z0-9_-]+", name):
        raise click.BadParameter("lower-case letters, digits, - and _ only", param_hint="--name")
    items = load_labelled(labelled_files())
    path, card = fit_model(items, load_labelled(extra), name)
    console.print(
        f"model: {path} ({card['size_bytes'] / 1e6:.1f} MB, trained in {card['training_seconds']} s "
        f"on {card['data']['train']} listings)"
    )
    for split, rows in card["metrics"].items():
        console.print(f"\n{split}:\n" + format_ablation({m: _Summary(**r) for m, r in rows.items()}))


@cli.group()
def samples() -> None:
    """The bundled sample platforms (data/sample_sites)."""


@samples.command("serve")
@click.pass_obj
def samples_serve(obj: dict) -> None:
    """Serve the sample sites on 127.0.0.1 at the ports their site configs name, until Ctrl-C."""
    from crawler.sample_server import SITE_KINDS, sample_ports, serve_samples

    sites = [s for s in load_sites(obj["sites"]) if s.site_id in SITE_KINDS]
    ports = sample_ports(sites)
    try:
        with serve_samples(ports):
            for site in sites:
                console.print(f"{site.site_id}: {site.start_urls[0]}")
            console.print("Ctrl-C stops.")
            while True:
                time.sleep(3600)
    except OSError as exc:
        raise TutorWatchError(f"cannot serve the samples: {exc.strerror}") from None
    except KeyboardInterrupt:
        pass
