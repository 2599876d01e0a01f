"""Human-readable output at the terminal: findings with their evidence and policy clauses."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table

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


def print_sites(console: Console, rows: Sequence) -> None:
    table = Table(title="Sites this run")
    for column in ("site", "pages", "listings", "errors", "finish"):
        table.add_column(column)
    for row in rows:
        style = "red" if row["listings"] == 0 else ""
        table.add_row(
            row["site"], str(row["pages"]), str(row["listings"]), str(row["errors"]), row["finish_reason"], style=style
        )
    console.print(table)
