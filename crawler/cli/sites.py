"""Commands for the person writing a site config: ``sites test``."""

from __future__ import annotations

import json
from dataclasses import asdict
from urllib.parse import urlsplit

import click
from rich import box
from rich.markup import escape
from rich.table import Table

from crawler.cli.main import cli, console
from crawler.config.site_config import load_sites
from crawler.errors import ConfigError, FetchError


@cli.group()
def sites() -> None:
    """Help for writing site configs (crawler/sites/*.yaml): try one against the live site."""


@sites.command("test")
@click.argument("site_id")
@click.argument("url", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def sites_test(obj: dict, site_id: str, url: str | None, fmt: str) -> None:
    """Fetch (or render) a site's first list page and one detail page (URL, or the first link found) and
    show what every selector matched, as the crawl would ask for them; nothing is stored.

    Exit 0: the config produces a listing; 4: it does not (empty title and body, no detail link);
    5: the list page could not be fetched.
    """
    from scrapy.crawler import CrawlerProcess

    from crawler.config.settings import base_settings
    from crawler.fetching.rendering import require_browser
    from crawler.runs.runner import log_path
    from crawler.spiders.probe_spider import Probe, ProbeSpider

    (site,) = load_sites(obj["sites"], (site_id,))
    if url is not None and urlsplit(url).scheme not in ("http", "https"):
        raise click.BadParameter(f"{url!r} is not an http(s) URL", param_hint="URL")
    if site.render:
        require_browser(f"site {site.site_id} (render: {str(site.render).lower()})")
    probe = Probe()
    process = CrawlerProcess(
        {**base_settings(log_path(obj["reports"], "sites-test", obj["verbose"]), obj["contact"]), "LOG_LEVEL": "INFO"}
    )
    process.crawl(ProbeSpider.probing(site), probe=probe, detail_url=url)
    process.start()
    if fmt == "json":
        click.echo(
            json.dumps(
                {**asdict(probe), "empty_fields": probe.empty_fields, "produces_listing": probe.produces_listing},
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        show(probe)
    if not probe.list_status.startswith("HTTP"):
        raise FetchError(f"{site.site_id}: list page {probe.list_url}: {probe.list_status or 'not fetched'}")
    if not probe.produces_listing:
        why = "no detail link on the list page" if not probe.detail_url else "empty title and body"
        raise ConfigError(f"{site.site_id}: the config produces no listing ({why})")


def matched_table(title: str, rows: list) -> Table:
    table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left")
    for column in ("field", "selector", "matched", "first values"):
        table.add_column(column, overflow="fold")
    for m in rows:
        empty = not m.count or not any(v.strip() for v in m.first)
        table.add_row(
            escape(m.name),
            escape(m.query),
            "[bold red]0[/]" if not m.count else str(m.count),
            "[bold red]EMPTY[/]" if empty else escape(" · ".join(m.first)),
        )
    return table


def show(probe: object) -> None:
    console.print(f"[bold]list page[/] {escape(probe.list_url)} — {escape(probe.list_status or 'not fetched')}")
    for note in probe.list_notes:
        console.print(f"  {escape(note)}")
    if probe.list_matched:
        console.print(matched_table("list page", probe.list_matched))
    console.print(f"[bold]detail[/] {escape(probe.detail_url or '(none)')} — {escape(probe.detail_status or '-')}")
    if probe.detail_matched:
        console.print(matched_table("detail fields", probe.detail_matched))
    if probe.empty_fields:
        console.print(f"[yellow]empty fields:[/] {escape(', '.join(probe.empty_fields))}")
    verdict = "[green]produces a listing[/]" if probe.produces_listing else "[bold red]produces no listing[/]"
    console.print(verdict)
