"""Write a report folder: summary.json, a self-contained report.html (and, for a period, report.docx).

Jinja2 with autoescape on: every title, matched text and note comes from crawled pages or
analysts and is escaped wherever it is shown. Everything is written to a temp file and renamed.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from crawler.leads.export import write_atomic
from crawler.leads.localtime import DEFAULT_TZ, shown, zone
from crawler.leads.store import LeadStore
from crawler.leads.wording import OUTCOMES as OUTCOME_NAMES
from crawler.leads.wording import VERDICTS as VERDICT_NAMES
from crawler.reporting.charts import breakdown_chart, trend_chart
from crawler.reporting.counts import OUTCOMES, VERDICTS
from crawler.reporting.docx_report import RUNS, write_period_docx
from crawler.reporting.summary import TREND_NIGHTS, night_summary, period_summary

NAMES = {**OUTCOME_NAMES, **{k: v for k, v in VERDICT_NAMES.items() if k}, "open": VERDICT_NAMES[""]}

TEMPLATES = Environment(
    loader=PackageLoader("crawler.reporting", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def write_report(summary: dict, charts: dict[str, str], folder: Path) -> Path:
    """summary.json and report.html (the template named after summary['report']) in ``folder``; the HTML path."""
    write_atomic(folder / "summary.json", json.dumps(summary, ensure_ascii=False, indent=2).encode("utf-8"))
    page = TEMPLATES.get_template(f"{summary['report']}.html").render(
        s=summary,
        charts=charts,
        buckets=OUTCOMES,
        verdicts=VERDICTS,
        names=NAMES,
        run_names=RUNS,
        generated=shown(summary["generated_at"], zone(summary.get("time_zone", DEFAULT_TZ))),
    )
    write_atomic(folder / "report.html", page.encode("utf-8"))
    return folder / "report.html"


def write_night_report(
    store: LeadStore, run_id: int, reports_dir: Path, site_names: dict[str, str] | None = None, tz: str = DEFAULT_TZ
) -> Path:
    """The morning report of one run, in reports/runs/<day the run started>/."""
    summary = night_summary(store, run_id, site_names, tz)
    day = date.fromisoformat(summary["run"]["started_at"][:10])
    charts = {
        "trend": trend_chart(summary["trend"], day - timedelta(days=TREND_NIGHTS - 1), day, OUTCOMES),
        "categories": breakdown_chart(summary["by_category"], OUTCOMES),
    }
    return write_report(summary, charts, reports_dir / "runs" / day.isoformat())


def period_folder(reports_dir: Path, start: date, end: date) -> Path:
    return reports_dir / "periods" / f"{start.isoformat()}_{end.isoformat()}"


def write_period_report(
    store: LeadStore,
    start: date,
    end: date,
    folder: Path,
    site_names: dict[str, str] | None = None,
    tz: str = DEFAULT_TZ,
) -> Path:
    """The report of any period (基本情况, 问题发现, 执法成果) in ``folder``: HTML, and the same as .docx."""
    summary = period_summary(store, start, end, site_names, tz)
    charts = {
        "trend": trend_chart(summary["trend"], start, end, OUTCOMES),
        "categories": breakdown_chart(summary["by_category"], OUTCOMES),
        "verdicts": breakdown_chart(summary["verdicts_by"]["by_category"], VERDICTS),
    }
    page = write_report(summary, charts, folder)
    write_period_docx(folder / "report.docx", summary, charts, NAMES, OUTCOMES, VERDICTS)
    return page
