"""Commands on the leads store: export, review, evidence, stats, the period report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from crawler.cli.main import cli, console
from crawler.errors import TutorWatchError
from detectors.categories import CATEGORIES


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
    from crawler.evidence.warc import verify
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
@click.option(
    "--pictures",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the pictures whose text produced a finding into this folder.",
)
@click.pass_obj
def evidence_show(obj: dict, lead: str, extract: Path | None, screenshot: Path | None, pictures: Path | None) -> None:
    """Print what is kept for a lead (URL, fetch time, file, offset, SHA-256, headers, screenshot, pictures, the
    stamp of the rules, model and threshold that flagged it); extract them."""
    from crawler.evidence.warc import kept_page, verify
    from crawler.images.evidence import pictures_kept, write_pictures
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
        f"screenshot: {png}\n"
        f"{pictures_kept(page.images)}"
        f"analysed with: {row['stamp'] or 'no stamp (analysed before stamps; `tutorwatch rescan` stamps it)'}\n\n"
        f"{page.head.strip()}"
    )
    if extract is not None:
        write_atomic(extract, page.body)
        click.echo(f"\npage ({len(page.body)} bytes) written to {extract}")
    if screenshot is not None:
        if page.screenshot is None:
            raise TutorWatchError(f"lead {lead} has no screenshot: its page was fetched over plain HTTP")
        write_atomic(screenshot, page.screenshot)
        click.echo(f"screenshot ({len(page.screenshot)} bytes) written to {screenshot}")
    if pictures is not None:
        for path in write_pictures(page.images, pictures):
            click.echo(f"picture written to {path}")


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
