"""Human-readable output at the terminal: findings with their evidence and policy clauses.

Everything shown comes from pages and files others wrote, so it passes ``clean_text`` (detectors/clean_text.py) first:
an ESC/CSI/OSC sequence in a title must not clear or rewrite what the investigator reads.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from crawler.runs.health import SiteHealth
from detectors.categories import CATEGORIES
from detectors.clean_text import clean_text
from detectors.models import Analysis


def print_analysis(console: Console, heading: str, analysis: Analysis) -> None:
    verdict = "[bold red]FLAGGED[/]" if analysis.flagged else "[green]clean[/]"
    console.print(f"{verdict} score {analysis.score:.2f}  {escape(clean_text(heading))}")
    for f in analysis.findings:
        console.print(
            f"  • [bold]{f.category}[/] ({CATEGORIES[f.category]}) [dim]{f.rule}[/]\n"
            f"    「{escape(clean_text(f.span.text))}」 at {f.span.start}-{f.span.end} · {escape('; '.join(f.basis))}"
        )


def print_sites(console: Console, rows: Sequence[SiteHealth]) -> None:
    """The per-site health table after a run; a failed site in red, a low one in yellow."""
    table = Table(title="Sites this run", box=box.SIMPLE_HEAD)
    for column in ("site", "pages", "listings", "errors", "finish", "health"):
        table.add_column(column, no_wrap=True)
    styles = {"failed": "bold red", "low": "yellow", "ok": ""}
    for row in rows:
        table.add_row(
            escape(clean_text(row.site)),
            str(row.pages),
            str(row.listings),
            str(row.errors),
            escape(row.finish_reason),
            row.health.upper() if row.health != "ok" else "ok",
            style=styles[row.health],
        )
    console.print(table)
