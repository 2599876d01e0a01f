"""Quality of the detectors on labelled listings: precision, recall, F1, by category and by form.

Labelled files are JSON Lines with ``id, family, platform, form, title, text, categories``
(data/labels/, see DATA.md). Listings are split by family, so a listing and its re-posts or
obfuscated variants always fall in the same split: ``train`` and ``dev`` may be read while rules
are written and the classifier is fitted, ``test`` is only ever reported in aggregate.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from detectors.analysis import analyze
from detectors.categories import CATEGORIES
from detectors.errors import TutorWatchError

LABELS_DIR = Path(__file__).resolve().parent.parent / "data" / "labels"
SPLITS = ("train",) * 5 + ("dev",) * 2 + ("test",) * 3  # by tenths of the families
FORMS = ("plain", "disguised", "obfuscated")


@dataclass(frozen=True)
class Labelled:
    id: str
    family: str
    platform: str | None
    form: str
    title: str
    text: str
    categories: frozenset[str]


def split_of(family: str) -> str:
    """'train' (50%), 'dev' (20%) or 'test' (30%), fixed by a hash of the family id.

    Re-posts and obfuscated twins share a family, so they never straddle a split.
    """
    return SPLITS[int(hashlib.sha256(family.encode()).hexdigest()[:8], 16) % 10]


def load_labelled(paths: Iterable[Path]) -> list[Labelled]:
    items = []
    for path in paths:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise TutorWatchError(f"{path}: cannot read: {exc.strerror}") from None
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
                item = Labelled(
                    str(raw["id"]),
                    str(raw.get("family") or raw["id"]),
                    raw.get("platform"),
                    raw.get("form") or ("clean" if not raw["categories"] else "plain"),
                    raw["title"],
                    raw["text"],
                    frozenset(raw["categories"]),
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise TutorWatchError(f"{path}:{number}: not a labelled listing ({exc})") from None
            unknown = item.categories - set(CATEGORIES)
            if unknown:
                raise TutorWatchError(f"{path}:{number}: unknown category {sorted(unknown)[0]!r}")
            items.append(item)
    return items


@dataclass
class Report:
    listings: int = 0
    flagged_right: int = 0  # violations flagged
    missed: list[Labelled] = field(default_factory=list)
    false_alarms: list[tuple[Labelled, list[str]]] = field(default_factory=list)
    clean: int = 0
    by_form: Counter = field(default_factory=Counter)
    caught_by_form: Counter = field(default_factory=Counter)
    tp: Counter = field(default_factory=Counter)
    fp: Counter = field(default_factory=Counter)
    fn: Counter = field(default_factory=Counter)


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def evaluate(items: list[Labelled]) -> Report:
    report = Report()
    for item in items:
        analysis = analyze(item.title, item.text, item.platform)
        predicted = set(analysis.categories) if analysis.flagged else set()
        report.listings += 1
        if item.categories:
            report.by_form[item.form] += 1
            if analysis.flagged:
                report.flagged_right += 1
                report.caught_by_form[item.form] += 1
            else:
                report.missed.append(item)
        else:
            report.clean += 1
            if analysis.flagged:
                report.false_alarms.append((item, [f.span.text for f in analysis.findings]))
        for category in CATEGORIES:
            gold, guess = category in item.categories, category in predicted
            report.tp[category] += gold and guess
            report.fp[category] += guess and not gold
            report.fn[category] += gold and not guess
    return report


def format_report(report: Report) -> str:
    """The report as Markdown tables, as README shows them."""
    violations = report.listings - report.clean
    p, r, f = _prf(report.flagged_right, len(report.false_alarms), len(report.missed))
    lines = [
        f"{report.listings} listings ({violations} violations, {report.clean} clean)",
        "",
        "| measure | value |",
        "|---|---|",
        f"| flagged: precision / recall / F1 | {p:.2f} / {r:.2f} / {f:.2f} |",
        f"| false-positive rate on clean listings | {len(report.false_alarms) / max(report.clean, 1):.3f}"
        f" ({len(report.false_alarms)} of {report.clean}) |",
    ]
    for form in FORMS:
        if report.by_form[form]:
            caught, total = report.caught_by_form[form], report.by_form[form]
            lines.append(f"| recall on {form} violations | {caught / total:.2f} ({caught} of {total}) |")
    tp, fp, fn = (sum(c.values()) for c in (report.tp, report.fp, report.fn))
    lines += ["", "| category | precision | recall | F1 | listings |", "|---|---|---|---|---|"]
    for category in CATEGORIES:
        cp, cr, cf = _prf(report.tp[category], report.fp[category], report.fn[category])
        lines.append(f"| `{category}` | {cp:.2f} | {cr:.2f} | {cf:.2f} | {report.tp[category] + report.fn[category]} |")
    mp, mr, mf = _prf(tp, fp, fn)
    lines.append(f"| all categories (micro) | {mp:.2f} | {mr:.2f} | {mf:.2f} | {tp + fn} |")
    return "\n".join(lines)
