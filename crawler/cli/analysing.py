"""Commands that analyse without fetching: scan, rules lint|test, evaluate, train."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import BinaryIO

import click

from crawler.analysis.pool import Tasks, run_tasks
from crawler.analysis.scan import Answer, Line, analysed, cut_warning, json_lines, scan_lines
from crawler.analysis.scan_input import ScanItem, guess_format, line_item, raw_lines, read_items
from crawler.cli.display import print_analysis
from crawler.cli.main import cli, console
from crawler.cli.scan_pictures import ScanPictures, fetch_pictures, image_urls, seekable
from crawler.errors import ConfigError, TutorWatchError
from crawler.images.files import SavedPicture
from detectors.engine import Engine

SCAN_BATCH = 256  # JSON lines analysed together (one batch of the engine, one task of a worker)
SNIFF_BYTES = 512  # what auto format detection looks at
SCAN_BATCH_CHARS = 1_000_000  # … or fewer, so a run of long lines is never held or folded all at once
SCAN_BATCH_BYTES = 3_000_000  # the same for raw JSON lines (CJK is 3 bytes of UTF-8, escaped 6)


@cli.command()
@click.argument("source", default="-", type=click.Path(allow_dash=True, dir_okay=False, path_type=str))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", "text", "html", "jsonl"]),
    default="auto",
    show_default=True,
    help="Input format; auto goes by the file extension, else by the first bytes ({ → jsonl, a tag → html).",
)
@click.option(
    "--platform",
    type=click.Choice(["tutoring", "recruitment", "housekeeping", "social"]),
    help="Platform the text comes from (a JSON line's own 'platform' wins over it).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines (the jsonl contract) for text/html input too.")
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Worker processes for JSON Lines output (each loads the engine once: worth it for thousands of lines).",
)
@click.option(
    "--trust-host",
    "trusted",
    multiple=True,
    metavar="HOST",
    help="Fetch image URLs on HOST even though it is on a private or loopback address.",
)
@click.pass_obj
def scan(
    obj: dict, source: str, fmt: str, platform: str | None, as_json: bool, jobs: int, trusted: tuple[str, ...]
) -> None:
    """Analyse text without crawling: a file or stdin (-), as text, HTML or JSON Lines.

    JSON Lines in: {"id", "title", "text", "platform"?, "publisher"?, "contact"?, "images"?: [file or
    URL, ...]} per line; image URLs are fetched first, in one crawl with its limits and robots rules
    (a host on a private or loopback address only when a site config or --trust-host names it). Out:
    one JSON object per line in the same order: {"id", "flagged", "score", "categories",
    "findings": [{"category", "rule", "text", "start", "end", "basis", ...}], "stamp"}; start/end
    index title + "\\n" + text (then + "\\n" + publisher, + "\\n" + contact when given).
    """
    name = "stdin" if source == "-" else source
    try:
        stream = sys.stdin.buffer if source == "-" else open(source, "rb")  # noqa: SIM115 (closed below)
    except OSError as exc:
        raise TutorWatchError(f"{source}: cannot read: {exc.strerror}") from None
    if fmt == "auto":
        fmt = guess_format("" if source == "-" else source, _head(stream))
    bad = 0
    try:
        with ExitStack() as stack:
            if fmt == "jsonl":  # the workers' engine is built while this process reads the input for image URLs
                tasks = stack.enter_context(Tasks(obj["engine"], jobs))
            pictures = ScanPictures(obj["db"])
            stack.callback(pictures.close)
            if fmt == "jsonl":  # image URLs: fetched in one crawl before the lines are judged
                stream = stack.enter_context(seekable(stream))
                urls = image_urls(stream, name)
                stream.seek(0)
                if urls:
                    pictures.fetched = _fetched(obj, urls, trusted, stack)
                # lines parsed and analysed where the engine runs: this process reads and writes
                task = partial(scan_lines, platform=platform)
                for answers in tasks.map(task, _line_batches(raw_lines(stream, name))):
                    bad += _answer(_resolved(tasks, answers, pictures, platform), pictures)
                return _done(bad)
            items = _warned(read_items(stream, fmt, platform, name, pictures.picture))
            if as_json:
                for lines in run_tasks(obj["engine"], jobs, json_lines, _batches(items)):
                    bad += _answer([(*line, None) for line in lines], pictures)
            else:
                engine = Engine.shared(obj["engine"])
                for item in items:
                    [(analysis, reads)] = analysed(engine, [item])
                    assert analysis is not None
                    pictures.remember(reads)
                    print_analysis(console, item.title or str(item.id), analysis)
    except OSError as exc:
        raise TutorWatchError(f"{name}: cannot read: {exc.strerror}") from None
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    _done(bad)


def _done(bad: int) -> None:
    if bad:
        sys.exit(1)


def _resolved(tasks: Tasks, answers: list[Answer | Line], pictures: ScanPictures, platform: str | None) -> list[Answer]:
    """A batch's answers, the lines a worker handed back (they name pictures) parsed here and analysed."""
    waiting = [entry for entry in answers if len(entry) == 2]
    if not waiting:
        return answers  # type: ignore[return-value]
    items = [line_item(number, raw, pictures.picture, platform) for number, raw in waiting]  # type: ignore[misc]
    found = iter(
        (*answer, cut_warning(item))
        for item, answer in zip(items, tasks.run(json_lines, items), strict=True)  # type: ignore[arg-type]
    )
    return [next(found) if len(entry) == 2 else entry for entry in answers]  # type: ignore[misc]


def _answer(answers: list[Answer], pictures: ScanPictures) -> int:
    """A batch's JSON lines on stdout (one write when it says nothing on stderr); the number of bad lines."""
    bad = 0
    quiet = all(error is None and warning is None for _, error, _, warning in answers)
    for _, _, reads, _ in answers:
        pictures.remember(reads)
    if quiet:
        if answers:
            click.echo("\n".join(line for line, _, _, _ in answers))
        return 0
    for line, error, _, warning in answers:
        if warning is not None:
            click.echo(f"tutorwatch: warning: {warning}", err=True)
        if error is not None:
            bad += 1
            click.echo(f"tutorwatch: error: {error}", err=True)
        click.echo(line)
    return bad


def _head(stream: BinaryIO) -> bytes:
    """The input's first bytes, left in the stream (a buffered reader's peek; nothing for others)."""
    peek = getattr(stream, "peek", None)
    try:
        return peek(SNIFF_BYTES)[:SNIFF_BYTES] if peek is not None else b""
    except OSError:
        return b""


def _fetched(obj: dict, urls: list[str], trusted: tuple[str, ...], stack: ExitStack) -> dict[str, SavedPicture]:
    """The image URLs fetched into a temporary folder (removed when scan ends), trusting the configs' hosts."""
    from crawler.config.site_config import load_sites
    from crawler.runs.runner import log_path

    hosts = frozenset(host for site in load_sites(obj["sites"]) for host in site.hosts) | frozenset(trusted)
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tutorwatch-scan-")))
    log_file = log_path(obj["reports"], "scan", obj["verbose"])
    return fetch_pictures(urls, folder, obj["db"], log_file, obj["contact"], hosts)


def _warned(items: Iterator[ScanItem]) -> Iterator[ScanItem]:
    """The items, saying on stderr which were cut before analysis (crawler/extraction/listing.py's cut_body)."""
    for item in items:
        warning = cut_warning(item)
        if warning is not None:
            click.echo(f"tutorwatch: warning: {warning}", err=True)
        yield item


def _line_batches(lines: Iterator[Line]) -> Iterator[list[Line]]:
    """JSON lines in batches of at most SCAN_BATCH lines and about SCAN_BATCH_BYTES, read as they are needed."""
    chunk: list[Line] = []
    size = 0
    for number, raw in lines:
        chunk.append((number, raw))
        size += len(raw) if raw is not None else 0
        if len(chunk) >= SCAN_BATCH or size >= SCAN_BATCH_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _batches(items: Iterator[ScanItem]) -> Iterator[list[ScanItem]]:
    """Batches of at most SCAN_BATCH items and about SCAN_BATCH_CHARS characters, read as they are needed."""
    chunk: list[ScanItem] = []
    size = 0
    for item in items:
        chunk.append(item)
        size += len(item.title) + len(item.text)
        if len(chunk) >= SCAN_BATCH or size >= SCAN_BATCH_CHARS:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


@cli.group()
def rules() -> None:
    """Check the rule catalogue (rules/) after editing it."""


@rules.command("lint")
@click.pass_obj
def rules_lint(obj: dict) -> None:
    """Validate rule files: categories, ids, clauses, regexes, lexicons."""
    catalogue = Engine(replace(obj["engine"], detectors=("rules",))).catalogue
    console.print(f"{len(catalogue.rules)} rules, {len(catalogue.lexicons)} lexicons: OK")


@rules.command("test")
@click.pass_obj
def rules_test(obj: dict) -> None:
    """Run every rule's annotated examples (rules/<category>.txt)."""
    from detectors.rule_examples import check_examples

    problems = check_examples(Engine(replace(obj["engine"], detectors=("rules",))))
    for line in problems:
        click.echo(line, err=True)
    if problems:
        raise ConfigError(f"{len(problems)} rule example problem(s)")
    console.print("all rule examples pass")


def corpus_option(help_text: str) -> Callable:
    """--corpus team|real|both, as evaluate and train take it."""
    return click.option(
        "--corpus", type=click.Choice(["team", "real", "both"]), default="both", show_default=True, help=help_text
    )


@cli.command("evaluate")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--split",
    type=click.Choice(["train", "dev", "tune", "test", "all"]),
    default="test",
    show_default=True,
    help="Which part to score (team listings split by family, real-world ones by source article).",
)
@corpus_option("The team-written listings, the real-world ones (data/labels/real), or both, each reported apart.")
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
@click.option(
    "--cv",
    is_flag=True,
    help="Grouped cross-validation over the readable splits of both corpora (never a test part); --corpus"
    " then names what the classifier is fitted on.",
)
@click.pass_obj
def evaluate_command(
    obj: dict,
    files: tuple[Path, ...],
    split: str,
    corpus: str,
    misses: bool,
    robustness: bool,
    ablation: bool,
    cv: bool,
) -> None:
    """Score the detectors on labelled listings (default: data/labels, sample sites, data/labels/real).

    P/R/F1 by category, form and platform, the team-written and the real-world listings apart.
    Only the train and dev splits may be read listing by listing (--misses); the test split (of
    the real corpus: the frozen part) is reported in aggregate, so its figures stay a fair
    estimate on listings nothing was fitted to.
    """
    from detectors.evaluation import (
        CORPORA,
        ablation_engines,
        by_corpus,
        evaluate,
        format_ablation,
        format_confusion,
        format_report,
        labelled_files,
        load_labelled,
        summary,
        write_curve,
    )

    if misses and split not in ("train", "dev"):
        raise click.UsageError(
            "--misses is for the train and dev splits; tune and test listings (the real corpus's frozen part)"
            " are never read one by one"
        )
    items = load_labelled(files or labelled_files())
    if cv:
        from detectors.cross_validation import FOLDS, format_cv, out_of_fold
        from detectors.training import COMBINATION

        fitted_on = ("team", "real") if corpus == "both" else (corpus,)
        scores = out_of_fold(items, obj["engine"], fitted_on=fitted_on)
        shipped = Engine(obj["engine"]).model
        combination = shipped.tuning if shipped is not None else COMBINATION
        click.echo(f"classifier fitted on: {' + '.join(CORPORA[c] for c in fitted_on)}")
        click.echo(format_cv(scores, combination or {"rule_weight": 1.0, "threshold": 0.5, "rule_margin": None}, FOLDS))
        return
    chosen = [item for item in items if (split == "all" or item.split == split) and corpus in ("both", item.corpus)]
    if not chosen:
        raise TutorWatchError("no labelled listings in that split")
    parts = by_corpus(chosen)
    if robustness:
        from detectors.evasions import format_robustness
        from detectors.evasions import robustness as measure

        engine = Engine(obj["engine"])
        for name, part in parts.items():
            plain = [(i.title, i.text, i.platform) for i in part if i.form == "plain"]
            click.echo(f"\n{CORPORA[name]} listings, {split}:\n" + format_robustness(measure(plain, engine)))
        return
    engines = ablation_engines(obj["engine"]) if ablation else {"combined": Engine(obj["engine"])}
    for name, part in parts.items():
        click.echo(f"\n## {CORPORA[name]} listings, {split}\n")
        if ablation:
            reports = {mode: evaluate(part, engine) for mode, engine in engines.items()}
            click.echo(format_ablation({mode: summary(r) for mode, r in reports.items()}))
            for mode, report in reports.items():
                click.echo(f"\n{mode}:\n" + format_report(report, categories=False))
            curve = write_curve(reports, obj["reports"] / f"pr-curve-{name}-{split}.png", f"{CORPORA[name]}, {split}")
            click.echo(f"precision-recall curve: {curve}")
            continue
        report = evaluate(part, engines["combined"])
        click.echo(format_report(report))
        click.echo("\nMost frequent wrong extra categories:\n" + format_confusion(report))
        if misses:
            for item in report.missed:
                click.echo(
                    f"MISSED {item.id} {item.platform} {sorted(item.categories)} [{item.form}] {item.title} | "
                    f"{item.text[:160]!r}"
                )
            for item, spans in report.false_alarms:
                click.echo(f"FALSE  {item.id} {item.platform} {item.title} | {item.text[:100]!r} | {spans}")


@cli.command()
@click.option("--name", default="tutorwatch", show_default=True, help="Model name: data/models/<name>.pkl.gz.")
@click.option(
    "--extra",
    "extra",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Extra labelled JSON Lines (e.g. reviewed leads), added to the training data (repeatable).",
)
@corpus_option("Fit and tune on the readable parts of the team-written listings, the real-world ones, or both.")
@click.pass_obj
def train(obj: dict, name: str, extra: tuple[Path, ...], corpus: str) -> None:
    """Train the classifier on the readable splits of data/labels (+ --extra); write the model and its card.

    The rule/model combination is the one `evaluate --cv` chose on out-of-fold scores
    (detectors/training.py: COMBINATION); prints the ablation (rules / classifier / combined) on
    the test part of each corpus. The frozen real-world test part is never fitted or tuned on.
    """
    import re as regex

    from detectors.evaluation import CORPORA, format_ablation, labelled_files, load_labelled
    from detectors.evaluation import Summary as _Summary
    from detectors.training import train as fit_model

    if not regex.fullmatch(r"[a-z0-9_-]+", name):
        raise click.BadParameter("lower-case letters, digits, - and _ only", param_hint="--name")
    items = load_labelled(labelled_files())
    corpora = ("team", "real") if corpus == "both" else (corpus,)
    path, card = fit_model(items, load_labelled(extra), name, obj["engine"], corpora=corpora)
    console.print(
        f"model: {path} ({card['size_bytes'] / 1e6:.1f} MB, trained in {card['training_seconds']} s "
        f"on {card['data']['train']} listings of {' + '.join(CORPORA[c] for c in corpora)})"
    )
    for part, rows in card["metrics"].items():
        split, which = part.split("_")
        console.print(f"\n{CORPORA[which]}, {split}:\n" + format_ablation({m: _Summary(**r) for m, r in rows.items()}))


@cli.command()
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
@click.option("--jobs", type=click.IntRange(1, 64), default=1, show_default=True, help="Worker processes.")
@click.option("--list/--no-list", "listing", default=True, show_default=True, help="List each lead that changed.")
@click.pass_obj
def rescan(obj: dict, dry_run: bool, jobs: int, listing: bool) -> None:
    """Re-analyse every stored lead with today's rules, model and threshold; report what changed.

    New (flagged now, not before), dropped (flagged before, not now) and category changes. The
    new analysis and its stamp replace the stored one, verdicts, notes and evidence untouched;
    a lead whose findings changed counts as changed today; the leads files are rewritten.
    With --dry-run nothing is written. Takes the crawl lock: not while a crawl runs.
    """
    from crawler.analysis.rescan import KINDS
    from crawler.analysis.rescan import rescan as run_rescan
    from crawler.leads.export import export_store
    from crawler.leads.store import LeadStore
    from crawler.pipelines.store import COMMIT_PAGES
    from crawler.runs.lock import crawl_lock

    with crawl_lock(obj["db"]), LeadStore(obj["db"], commit_every=COMMIT_PAGES) as store:
        report = run_rescan(store, obj["engine"], jobs, dry_run)
        if not dry_run and report.leads:
            export_store(store, obj["reports"])
    console.print(f"{report.leads} leads re-analysed with {report.stamp or '-'}")
    for stamp, count in report.stamps_before.most_common():
        console.print(f"  before: {count} with {stamp}")
    for kind, meaning in KINDS.items():
        console.print(f"{report.counts[kind]:>8}  {kind:<10} {meaning}")
    if listing:
        for change in report.changes:
            click.echo(f"{change.lead_id}\t{change.kind}\t{change.before or '-'} -> {change.after or '-'}")
    console.print("dry run: nothing written" if dry_run else f"stored; leads files rewritten in {obj['reports']}")
