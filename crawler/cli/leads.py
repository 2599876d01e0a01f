"""Commands on the leads store: export, review, evidence, stats, the period report."""

from __future__ import annotations

import getpass
import sqlite3
import sys
from pathlib import Path
from typing import Any

import click

from crawler.cli.main import PARTIAL_EXIT, cli, console, export_settings, site_names
from crawler.errors import TutorWatchError
from crawler.leads.wording import FROM_LABEL, VERDICT_CHOICES
from detectors.categories import CATEGORIES
from detectors.clean_text import clean_text


@cli.command("export")
@click.option("--region", help="Only leads whose city or district is this (岳阳楼区, 河源市 …).")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="Only leads changed on or after this date.")
@click.option("--category", type=click.Choice(sorted(CATEGORIES)), help="Only leads with this category.")
@click.option("--min-score", type=click.FloatRange(0, 1), default=0.0, show_default=True)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write to (default: reports/, or reports/<REGION>/ with --region).",
)
@click.pass_obj
def export_command(
    obj: dict, region: str | None, since: Any, category: str | None, min_score: float, out: Path | None
) -> None:
    """Write the analyst's new workbook (待研判/线索-<地区>-<日期>.xlsx) and refresh leads.csv, leads.xlsx and
    today's leads-YYYY-MM-DD.csv, optionally filtered; a county's export goes to its own folder.

    The workbook never replaces a file (a name already taken gets -2, -3 …), so verdicts typed
    into an earlier one are never lost.
    """
    from crawler.leads.export import export_folder, export_store
    from crawler.leads.filters import Filters
    from crawler.leads.store import LeadStore

    try:
        target = out or export_folder(obj["reports"], region)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--region") from None
    chosen = Filters(region, since.date().isoformat() if since else None, category, min_score)
    with LeadStore(obj["db"]) as store:
        done = export_store(store, target, chosen=chosen, settings=export_settings(obj, "always"))
    console.print(f"待研判工作簿：{done.workbook}（{done.workbook_leads} 条线索）")
    console.print(
        f"全部线索 {done.total} 条：{target}/leads.csv 与 leads.xlsx（只读总表），今天新增或有变化 {done.todays} 条"
    )


@cli.group()
def review() -> None:
    """The analyst's verdicts: import them, set them, their history; export them as training labels."""


@review.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--reviewer", help="Who decided (default: the workbook's last-modified-by, as Excel and WPS record it).")
@click.pass_obj
def review_import(obj: dict, file: Path, reviewer: str | None) -> None:
    """Merge verdicts (确认/排除/调查中/待研判) and notes from the analyst's workbook or a leads CSV (UTF-8 or GBK).

    A bad row (unknown lead, a verdict not in the list, a wrong header) refuses the whole file and
    every bad row is named (exit 6). A lead whose verdict was changed after the file was exported
    keeps the newer one: the file's is reported as a conflict (exit 3). A blank cell never erases
    a verdict or a note. The CSVs and the read-only leads.xlsx are rewritten afterwards.
    """
    from crawler.leads.review import import_review
    from crawler.leads.store import LeadStore

    with LeadStore(obj["db"]) as store:
        applied = import_review(store, file, reviewer)
        console.print(f"{applied.verdicts} 条研判结论、{applied.notes} 条备注已从 {file} 导入")
        _rewrite_files(store, obj)
    _report_conflicts(applied.conflicts)


def _rewrite_files(store: Any, obj: dict) -> None:
    """The leads files after verdicts changed; if that fails the verdicts are safe, and the error says so."""
    from crawler.leads.export import export_store

    try:
        export_store(store, obj["reports"], settings=export_settings(obj))
    except (OSError, sqlite3.Error) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise TutorWatchError(
            f"the verdicts are imported, but the leads files could not be rewritten ({why});"
            " run `tutorwatch export` once that is fixed"
        ) from None


def _report_conflicts(conflicts: list) -> None:
    from crawler.leads.review import label

    for c in conflicts:
        asked = label(c.change.status) if c.change.status is not None else "(未改)"
        said = (
            f"tutorwatch: conflict: {c.change.where}: {c.change.lead_id}: 文件中为 {asked or '待研判'}，"
            f"库中已是较新的 {label(c.status) or '待研判'}（{c.at} {c.reviewer or '(未注明)'}，来自 {c.source}）；"
            "此线索未改动"
        )
        click.echo(clean_text(said), err=True)
    if conflicts:
        newer = f"{len(conflicts)} lead(s) not changed: the database has newer verdicts"
        click.echo(f"tutorwatch: warning: {newer}", err=True)
        sys.exit(PARTIAL_EXIT)


@review.command("set")
@click.argument("leads", nargs=-1, required=True)
@click.argument("verdict", type=click.Choice([*VERDICT_CHOICES, *sorted(v for v in FROM_LABEL if v.isascii())]))
@click.option("--note", help="A note to keep with the verdict (replaces the lead's note).")
@click.option("--reviewer", help="Who decided (default: your login name).")
@click.pass_obj
def review_set(obj: dict, leads: tuple[str, ...], verdict: str, note: str | None, reviewer: str | None) -> None:
    """Set the verdict of one or more leads: LEAD... 确认|排除|调查中|待研判 (待研判 reopens a lead).

    Recorded in the verdict history like an imported file; an unknown lead changes nothing.
    """
    from crawler.leads.store import LeadStore
    from crawler.leads.verdicts import Change, set_verdicts

    with LeadStore(obj["db"]) as store:
        unknown = sorted(set(leads) - store.read.known_ids(leads))
        if unknown:
            raise TutorWatchError(f"no lead {', '.join(unknown)}; nothing was changed")
        changes = [Change(lead, FROM_LABEL[verdict], note or None) for lead in dict.fromkeys(leads)]
        applied = set_verdicts(store, changes, reviewer or getpass.getuser(), "tutorwatch review set")
        _rewrite_files(store, obj)
    same = len(changes) - len(applied.changed)
    console.print(f"{applied.verdicts} 条研判结论、{applied.notes} 条备注已记录（{same} 条未变）")


@review.command("history")
@click.argument("lead")
@click.pass_obj
def review_history(obj: dict, lead: str) -> None:
    """Every change of a lead's verdict and note: when, who, old → new, from which file."""
    from crawler.leads.localtime import shown, zone
    from crawler.leads.review import label
    from crawler.leads.store import LeadStore

    with LeadStore(obj["db"]) as store:
        row = store.read.lead(lead)
        history = store.read.history(lead)
    if row is None:
        raise TutorWatchError(f"no lead {lead!r}")
    click.echo(clean_text(f"{lead}: {row['title']}"))
    click.echo(clean_text(f"现在：{label(row['status']) or '待研判'}  备注：{row['notes'] or '(无)'}"))
    if not history:
        click.echo("尚无研判记录")
    tz = zone(obj["tz"])
    for change in history:
        old, new = label(change["old_status"]) or "待研判", label(change["new_status"]) or "待研判"
        verdict = f"{old} → {new}" if old != new else f"{new}（未变）"
        note = f"  备注：{change['new_notes']}" if change["new_notes"] != change["old_notes"] else ""
        line = (
            f"#{change['rev']} {shown(change['at'], tz)}  {change['reviewer'] or '(未注明)'}  {verdict}{note}"
            f"  来自 {change['source']}"
        )
        click.echo(clean_text(line))


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
    """Re-hash every lead's evidence record; list any that is missing, truncated or altered.

    A picture kept as a revisit record (it answered 304) is followed to the record holding its
    bytes, which must be there and hash to the digest the revisit names."""
    from crawler.evidence.warc import verify, verify_pictures
    from crawler.leads.image_cache import ImageCache
    from crawler.leads.store import LeadStore, evidence_dir

    folder = evidence_dir(obj["db"])
    bad = []
    with LeadStore(obj["db"]) as store:
        rows = store.read.with_evidence()
        locate = ImageCache(store.conn).record
        for row in rows:
            where = (row["evidence_file"], row["evidence_offset"], row["evidence_length"])
            problem = verify(folder, *where, row["evidence_sha256"])
            problems = [problem] if problem else verify_pictures(folder, *where, locate)
            bad.extend((row["lead_id"], line) for line in problems)
    for lead_id, line in bad:
        click.echo(f"{lead_id}: {line}")
    failing = len({lead_id for lead_id, _ in bad})
    console.print(f"{len(rows)} 条证据记录中 {len(rows) - failing} 条校验通过")
    if bad:
        raise TutorWatchError(f"{failing} evidence record(s) do not match their SHA-256 or lack a picture's original")


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
    from crawler.leads.image_cache import ImageCache
    from crawler.leads.localtime import local, zone
    from crawler.leads.store import LeadStore, evidence_dir

    with LeadStore(obj["db"]) as store:
        row = store.read.lead(lead)
        if row is None:
            raise TutorWatchError(f"no lead {lead!r}")
        if not row["evidence_file"]:
            raise TutorWatchError(f"lead {lead} has no evidence kept")
        folder = evidence_dir(obj["db"])
        where = (row["evidence_file"], row["evidence_offset"], row["evidence_length"])
        page = kept_page(folder, *where, locate=ImageCache(store.conn).record)
    problem = verify(folder, *where, row["evidence_sha256"])
    png = f"PNG，{len(page.screenshot)} 字节" if page.screenshot is not None else "无（普通 HTTP 抓取，未经浏览器渲染）"
    fetched = row["fetched_at"]
    moment = local(fetched, zone(obj["tz"]))  # to the second: a case file's time
    at = f"{moment:%Y-%m-%d %H:%M:%S}（{obj['tz']}；UTC {fetched}）" if moment is not None else fetched
    stamp = row["stamp"] or "无（分析早于检测版本记录；运行 `tutorwatch rescan` 补记）"
    shown = (  # the title, URL and headers are the site's: no escape sequence reaches the terminal
        f"线索 {lead}：{row['title']}\n网址：{page.url}\n"
        f"抓取时间：{at}\n"
        f"证据文件：{folder / row['evidence_file']} @ {row['evidence_offset']}（{row['evidence_length']} 字节）\n"
        f"SHA-256：{row['evidence_sha256']}（{'校验通过' if problem is None else '校验未通过：' + problem}）\n"
        f"截图：{png}\n"
        f"{pictures_kept(page.images)}"
        f"检测版本：{stamp}\n\n"
        f"{page.head.strip()}"
    )
    click.echo(clean_text(shown))
    if extract is not None:
        write_atomic(extract, page.body)
        click.echo(f"\n原始网页（{len(page.body)} 字节）已写入 {extract}")
    if screenshot is not None:
        if page.screenshot is None:
            raise TutorWatchError(f"lead {lead} has no screenshot: its page was fetched over plain HTTP")
        write_atomic(screenshot, page.screenshot)
        click.echo(f"截图（{len(page.screenshot)} 字节）已写入 {screenshot}")
    if pictures is not None:
        for path in write_pictures(page.images, pictures):
            click.echo(f"图片已写入 {path}")


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
    """Write the report of a period (e.g. a quarter): summary.json, report.html and report.docx (Word/WPS).

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
        folder = out or period_folder(obj["reports"], first, last)
        page = write_period_report(store, first, last, folder, site_names(obj), obj["tz"])
    console.print(f"{first} 至 {last} 的报告：{page}（同一文件夹中另有 report.docx、summary.json）")
