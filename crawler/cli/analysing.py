"""Commands that analyse without fetching: scan, rules lint|test, evaluate, train."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import click

from crawler.analysis.pool import run_tasks
from crawler.analysis.scan import analysed, json_lines
from crawler.cli.display import print_analysis
from crawler.cli.main import cli, console
from crawler.cli.scan_input import guess_format, read_items
from crawler.errors import ConfigError, TutorWatchError
from detectors.engine import Engine, batches

SCAN_BATCH = 256  # JSON lines analysed together (one batch of the engine, one task of a worker)


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
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Worker processes for JSON Lines output (each loads the engine once: worth it for thousands of lines).",
)
@click.pass_obj
def scan(obj: dict, source: str, fmt: str, platform: str | None, as_json: bool, jobs: int) -> None:
    """Analyse text without crawling: a file or stdin (-), as text, HTML or JSON Lines.

    JSON Lines in: {"id", "title", "text", "platform"?, "publisher"?, "contact"?} per line. Out:
    one JSON object per line in the same order: {"id", "flagged", "score", "categories",
    "findings": [{"category", "rule", "text", "start", "end", "basis", ...}], "stamp"}; start/end
    index title + "\\n" + text (then + "\\n" + publisher, + "\\n" + contact when given).
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
    items = read_items(content, fmt, platform, source)
    bad = 0
    if fmt == "jsonl" or as_json:
        for lines in run_tasks(obj["engine"], jobs, json_lines, batches(items, SCAN_BATCH)):
            for line, error in lines:
                if error is not None:
                    bad += 1
                    click.echo(f"tutorwatch: error: {error}", err=True)
                click.echo(line)
    else:
        engine = Engine.shared(obj["engine"])
        for item in items:
            [analysis] = analysed(engine, [item])
            assert analysis is not None
            print_analysis(console, item.title or str(item.id), analysis)
    if bad:
        sys.exit(1)


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
        ablation_engines,
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
        click.echo(format_robustness(measure(plain, Engine(obj["engine"]))))
        return
    if ablation:
        reports = {mode: evaluate(chosen, engine) for mode, engine in ablation_engines(obj["engine"]).items()}
        click.echo(format_ablation({mode: summary(r) for mode, r in reports.items()}))
        curve = write_curve(reports, obj["reports"] / f"pr-curve-{split}.png", split)
        click.echo(f"precision-recall curve: {curve}")
        return
    report = evaluate(chosen, Engine(obj["engine"]))
    click.echo(format_report(report))
    click.echo("\nMost frequent wrong extra categories:\n" + format_confusion(report))
    if misses:
        for item in report.missed:
            click.echo(f"MISSED {item.id} {sorted(item.categories)} [{item.form}] {item.title} | {item.text[:120]!r}")
        for item, spans in report.false_alarms:
            click.echo(f"FALSE  {item.id} {item.title} | {spans}")


@cli.command()
@click.option("--name", default="tutorwatch", show_default=True, help="Model name: data/models/<name>.pkl.gz.")
@click.option(
    "--extra",
    "extra",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Extra labelled JSON Lines (e.g. reviewed leads), added to the training data (repeatable).",
)
@click.pass_obj
def train(obj: dict, name: str, extra: tuple[Path, ...]) -> None:
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
    path, card = fit_model(items, load_labelled(extra), name, obj["engine"])
    console.print(
        f"model: {path} ({card['size_bytes'] / 1e6:.1f} MB, trained in {card['training_seconds']} s "
        f"on {card['data']['train']} listings)"
    )
    for split, rows in card["metrics"].items():
        console.print(f"\n{split}:\n" + format_ablation({m: _Summary(**r) for m, r in rows.items()}))


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
