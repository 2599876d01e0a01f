"""The report's charts as base64 PNG, so report.html needs no other file and no network.

Drawn with matplotlib's Figure API (no pyplot, so no GUI backend). Labels are ASCII only
(dates, category ids): the default fonts have no Chinese glyphs, and the tables beside each
chart carry the Chinese names.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from datetime import date

from matplotlib.dates import DateFormatter, date2num
from matplotlib.figure import Figure

COLOURS = {
    "new": "#d62728",
    "changed": "#ff7f0e",
    "recurring": "#9e9e9e",
    "confirmed": "#d62728",
    "investigating": "#ff7f0e",
    "dismissed": "#2ca02c",
    "open": "#9e9e9e",
}


def _png(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=96, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def trend_chart(nights: Sequence[dict], start: date, end: date, buckets: Sequence[str]) -> str:
    """Leads per night as stacked bars over [start, end]; a night with a failed site is marked with a red x."""
    if not nights:
        return ""
    figure = Figure(figsize=(9, 3))
    axes = figure.subplots()
    days = [date2num(date.fromisoformat(night["date"])) for night in nights]
    bottom = [0] * len(nights)
    for bucket in buckets:
        heights = [night[bucket] for night in nights]
        axes.bar(days, heights, bottom=bottom, width=0.8, label=bucket, color=COLOURS[bucket])
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    failed = [(day, top) for day, top, night in zip(days, bottom, nights, strict=True) if night["failed_sites"]]
    if failed:
        axes.plot([d for d, _ in failed], [t for _, t in failed], "x", color="red", markersize=10, label="site failed")
    axes.set_xlim(date2num(start) - 1, date2num(end) + 1)
    axes.xaxis.set_major_formatter(DateFormatter("%m-%d"))
    axes.set_ylabel("leads")
    axes.legend(loc="upper left", fontsize="small")
    figure.autofmt_xdate()
    return _png(figure)


def breakdown_chart(rows: Sequence[dict], buckets: Sequence[str], limit: int = 13) -> str:
    """Horizontal stacked bars, one per category id (the biggest ``limit``), split by bucket."""
    if not rows:
        return ""
    shown = list(rows[:limit])[::-1]
    figure = Figure(figsize=(7, 0.35 * len(shown) + 1))
    axes = figure.subplots()
    left = [0] * len(shown)
    for bucket in buckets:
        widths = [row[bucket] for row in shown]
        axes.barh([row["key"] for row in shown], widths, left=left, label=bucket, color=COLOURS[bucket])
        left = [a + w for a, w in zip(left, widths, strict=True)]
    axes.set_xlabel("leads")
    axes.legend(loc="lower right", fontsize="small")
    return _png(figure)
