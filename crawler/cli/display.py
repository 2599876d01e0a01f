"""Human-readable output at the terminal: findings with their evidence and policy clauses."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from crawler.runs.health import SiteHealth
from detectors.categories import CATEGORIES
from detectors.models import Analysis


def print_analysis(console: Console, heading: str, analysis: Analysis) -> None:
    verdict = "[bold red]FLAGGED[/]" if analysis.flagged else "[green]clean[/]"
    console.print(f"{verdict} score {analysis.score:.2f}  {escape(heading)}")
    for f in analysis.findings:
        console.print(
            f"  • [bold]{f.category}[/] ({CATEGORIES[f.category]}) [dim]{f.rule}[/]\n"
            f"    「{escape(f.span.text)}」 at {f.span.start}-{f.span.end} · {escape('; '.join(f.basis))}"
        )


JUDGED_SHOWN = 2000  # characters of the judged text printed; --format json has it all
CONTROLS = {c: "\ufffd" for c in (*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0))}  # crawled text


def print_judged(console: Console, title: str, text: str) -> None:
    """What detection read: the judged title and text (of a page no config knows, its main text)."""
    title, text = title.translate(CONTROLS), text.translate(CONTROLS)
    shown = (
        text if len(text) <= JUDGED_SHOWN else f"{text[:JUDGED_SHOWN]}… ({len(text) - JUDGED_SHOWN} more characters)"
    )
    console.print(f"  [dim]judged title:[/] {escape(title)}")
    console.print(f"  [dim]judged text ({len(text)} characters):[/]")
    for line in shown.splitlines():
        console.print(f"    {escape(line)}")


def print_sites(console: Console, rows: Sequence[SiteHealth]) -> None:
    """The per-site health table after a run; a failed site in red, a low one in yellow."""
    table = Table(title="Sites this run", box=box.SIMPLE_HEAD)
    for column in ("site", "pages", "listings", "errors", "finish", "health"):
        table.add_column(column, no_wrap=True)
    styles = {"failed": "bold red", "low": "yellow", "ok": ""}
    for row in rows:
        table.add_row(
            escape(row.site),
            str(row.pages),
            str(row.listings),
            str(row.errors),
            escape(row.finish_reason),
            row.health.upper() if row.health != "ok" else "ok",
            style=styles[row.health],
        )
    console.print(table)
