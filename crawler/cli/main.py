"""The ``tutorwatch`` group: global options, and every error turned into one line and its exit code."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click
from rich.console import Console

from crawler.cli.engine_options import engine_config, engine_options
from crawler.config.site_config import SITES_DIR, load_sites
from crawler.errors import TutorWatchError
from crawler.leads.localtime import DEFAULT_TZ, zone
from crawler.leads.store import DEFAULT_DB
from detectors.errors import ConfigError as DetectorConfigError
from detectors.errors import DetectorError

if TYPE_CHECKING:
    from crawler.leads.export import ExportSettings

REPORTS_DIR = Path(__file__).resolve().parents[2] / "reports"
PARTIAL_EXIT = 3
CONFIG_EXIT = 4
console = Console(highlight=False)
console.soft_wrap = not console.is_terminal  # piped to a file: whole lines, never wrapped mid-word at 80 columns


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
        except DetectorError as exc:  # the library's own errors: a bad rule file or model is a config error
            click.echo(f"tutorwatch: error: {exc}", err=True)
            sys.exit(CONFIG_EXIT if isinstance(exc, DetectorConfigError) else 1)
        except click.UsageError as exc:  # a bad command, argument or option
            _usage_error(exc)


def _usage_error(exc: click.UsageError) -> NoReturn:
    """Click's three-line usage message as one line, with its exit code (2); a bare group still shows its help."""
    if isinstance(exc, click.exceptions.NoArgsIsHelpError):
        raise exc
    where = exc.ctx.command_path if exc.ctx else "tutorwatch"
    click.echo(f"tutorwatch: error: {exc.format_message()} (see {where} --help)", err=True)
    sys.exit(exc.exit_code)


def _time_zone(ctx: click.Context, param: click.Parameter, value: str) -> str:
    try:
        zone(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


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
@click.option(
    "--tz",
    envvar="TUTORWATCH_TZ",
    default=DEFAULT_TZ,
    show_default=True,
    callback=_time_zone,
    help="Time zone of the dates people read in workbooks, reports and `check` (an IANA name).",
)
@click.option("-v", "--verbose", is_flag=True, help="Crawl log to stderr instead of reports/logs/.")
@engine_options
@click.pass_context
def cli(
    ctx: click.Context,
    db: Path,
    reports_dir: Path,
    sites_dir: Path,
    contact: str,
    tz: str,
    verbose: bool,
    rules_dir: Path,
    model: str,
    threshold: float | None,
) -> None:
    """TutorWatch: find illegal off-campus tutoring (双减) on tutoring, job and 家政 sites.

    Crawls the configured sites, flags listings that break the rules with the policy clause
    behind each finding, and writes leads spreadsheets for investigators under reports/.
    """
    if isinstance(sys.stdout, io.TextIOWrapper):  # crawled text must never crash a print (a lone surrogate)
        sys.stdout.reconfigure(errors="replace")
    ctx.obj = {
        "db": db,
        "reports": reports_dir,
        "sites": sites_dir,
        "verbose": verbose,
        "contact": contact,
        "tz": tz,
        "engine": engine_config(rules_dir, model, threshold),
    }


def site_names(obj: dict, sites: list | None = None) -> dict[str, str]:
    """Each site id's configured name (people read names; a broken config only costs the names)."""
    if sites is None:
        try:
            sites = load_sites(obj["sites"])
        except TutorWatchError:
            return {}
    return {site.site_id: site.name for site in sites}


def export_settings(obj: dict, workbook: str = "never", sites: list | None = None) -> ExportSettings:
    """How this command's exports are written: the --tz zone, the sites' names, whether a new workbook."""
    from crawler.leads.export import ExportSettings

    return ExportSettings(obj["tz"], site_names(obj, sites), workbook)
