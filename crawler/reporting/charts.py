"""The report's charts as base64 PNG, so report.html needs no other file and no network.

Drawn with matplotlib's Figure API (no pyplot, so no GUI backend). Labels are Chinese when a
CJK font is installed (fonts-wqy-microhei, Noto CJK; `make setup` installs the first), else the
ids, since matplotlib's own fonts have no Chinese glyphs (the tables beside each chart always
carry the Chinese names).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from datetime import date
from functools import cache

from matplotlib import font_manager, rc_context
from matplotlib.dates import DateFormatter, date2num
from matplotlib.figure import Figure

from crawler.leads.wording import OUTCOMES, VERDICTS

CJK_FONTS = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "SimHei")
NAMES = {**OUTCOMES, **{k: v for k, v in VERDICTS.items() if k}, "open": VERDICTS[""]}
NAMES |= {"leads": "线索数", "site failed": "有网站失败"}

COLOURS = {
    "new": "#d62728",
    "changed": "#ff7f0e",
    "recurring": "#9e9e9e",
    "confirmed": "#d62728",
    "investigating": "#ff7f0e",
    "dismissed": "#2ca02c",
    "open": "#9e9e9e",
}


@cache
def cjk_font() -> str:
    """The first installed font with Chinese glyphs ('' when none is)."""
    for name in CJK_FONTS:
        try:
            font_manager.findfont(font_manager.FontProperties(family=name), fallback_to_default=False)
            return name
        except ValueError:
            continue
    return ""


def _chinese() -> rc_context:
    font = cjk_font()
    return rc_context({"font.family": "sans-serif", "font.sans-serif": [font, "DejaVu Sans"]} if font else {})


def _name(key: str) -> str:
    return NAMES.get(key, key) if cjk_font() else key


def _png(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=96, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def trend_chart(nights: Sequence[dict], start: date, end: date, buckets: Sequence[str]) -> str:
    """Leads per night as stacked bars over [start, end]; a night with a failed site is marked with a red x."""
    if not nights:
        return ""
    with _chinese():
        return _trend(nights, start, end, buckets)


def _trend(nights: Sequence[dict], start: date, end: date, buckets: Sequence[str]) -> str:
    figure = Figure(figsize=(9, 3))
    axes = figure.subplots()
    days = [date2num(date.fromisoformat(night["date"])) for night in nights]
    bottom = [0] * len(nights)
    for bucket in buckets:
        heights = [night[bucket] for night in nights]
        axes.bar(days, heights, bottom=bottom, width=0.8, label=_name(bucket), color=COLOURS[bucket])
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    failed = [(day, top) for day, top, night in zip(days, bottom, nights, strict=True) if night["failed_sites"]]
    if failed:
        marks = ([d for d, _ in failed], [t for _, t in failed])
        axes.plot(*marks, "x", color="red", markersize=10, label=_name("site failed"))
    axes.set_xlim(date2num(start) - 1, date2num(end) + 1)
    axes.xaxis.set_major_formatter(DateFormatter("%m-%d"))
    axes.set_ylabel(_name("leads"))
    axes.legend(loc="upper left", fontsize="small")
    figure.autofmt_xdate()
    return _png(figure)


def breakdown_chart(rows: Sequence[dict], buckets: Sequence[str], limit: int = 13) -> str:
    """Horizontal stacked bars, one per category (the biggest ``limit``), split by bucket."""
    if not rows:
        return ""
    with _chinese():
        return _breakdown(rows, buckets, limit)


def _breakdown(rows: Sequence[dict], buckets: Sequence[str], limit: int) -> str:
    shown = list(rows[:limit])[::-1]
    figure = Figure(figsize=(7, 0.35 * len(shown) + 1))
    axes = figure.subplots()
    left = [0] * len(shown)
    for bucket in buckets:
        widths = [row[bucket] for row in shown]
        labels = [(row.get("label") or row["key"]) if cjk_font() else row["key"] for row in shown]
        axes.barh(labels, widths, left=left, label=_name(bucket), color=COLOURS[bucket])
        left = [a + w for a, w in zip(left, widths, strict=True)]
    axes.set_xlabel(_name("leads"))
    axes.legend(loc="lower right", fontsize="small")
    return _png(figure)
