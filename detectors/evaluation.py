"""Quality of the detectors on labelled listings: precision, recall, F1, by category and by form.

Labelled files are JSON Lines with ``id, family, platform, form, title, text, categories``
(data/labels/, see DATA.md); real-world listings (data/labels/real/) also carry ``source``,
``quote``, ``grounding`` and ``source_kind``. Splits (detectors/splits.py) keep a listing with
its re-posts, and a real-world listing with everything quoted from the same article: ``train``
and ``dev`` may be read while rules are written and the classifier is fitted, ``tune`` sets how
the two combine, ``test`` is only ever reported in aggregate, each corpus on its own.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from detectors.categories import CATEGORIES
from detectors.engine import DETECTORS, Engine, EngineConfig
from detectors.errors import DetectorError
from detectors.models import Document
from detectors.splits import LABELS_DIR, REAL_DIR, SAMPLE_PREFIX, real_split_of, split_of

DATA_DIR = LABELS_DIR.parent
FORMS = ("plain", "disguised", "obfuscated")
CORPORA = {"team": "team-written", "real": "real-world"}


@dataclass(frozen=True)
class Labelled:
    id: str
    family: str
    platform: str | None
    form: str
    title: str
    text: str
    categories: frozenset[str]
    source: str | None = None  # real-world listings: the address they were quoted from
    grounding: str | None = None  # real-world listings: 'quoted' (the advertiser's words) or 'described'

    @property
    def corpus(self) -> str:
        """'real' for a listing quoted from a public source, 'team' for one this team wrote."""
        return "team" if self.source is None else "real"

    @property
    def split(self) -> str:
        """'train', 'dev', 'tune' or 'test' (for the real corpus: the frozen part)."""
        return split_of(self.family) if self.source is None else real_split_of(self.source)


def labelled_files() -> list[Path]:
    """The corpus: data/labels/*.jsonl, the sample sites' listings and the real-world data/labels/real/*.jsonl."""
    return (
        sorted(LABELS_DIR.glob("*.jsonl"))
        + sorted(DATA_DIR.glob("sample_sites/*/listings.jsonl"))
        + sorted(REAL_DIR.glob("*.jsonl"))
    )


def load_labelled(paths: Iterable[Path]) -> list[Labelled]:
    items = []
    for path in paths:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise DetectorError(f"{path}: cannot read: {exc.strerror}") from None
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
                sample = "family" not in raw and "body" in raw  # a sample site's listing
                item = Labelled(
                    str(raw["id"]),
                    str(raw.get("family") or f"{SAMPLE_PREFIX}{raw['id']}"),
                    raw.get("platform"),
                    raw.get("form") or ("clean" if not raw["categories"] else "unspecified" if sample else "plain"),
                    raw["title"],
                    raw["text"] if "text" in raw else raw["body"],
                    frozenset(raw["categories"]),
                    str(raw["source"]) if "source" in raw else None,
                    raw.get("grounding"),
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise DetectorError(f"{path}:{number}: not a labelled listing ({exc})") from None
            unknown = item.categories - set(CATEGORIES)
            if unknown:
                raise DetectorError(f"{path}:{number}: unknown category {sorted(unknown)[0]!r}")
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
    by_platform: Counter = field(default_factory=Counter)  # violations per platform
    caught_by_platform: Counter = field(default_factory=Counter)
    clean_by_platform: Counter = field(default_factory=Counter)
    false_by_platform: Counter = field(default_factory=Counter)
    tp: Counter = field(default_factory=Counter)
    scores: list[tuple[float, bool]] = field(default_factory=list)  # (score, is a violation), for curves
    confusion: Counter = field(default_factory=Counter)  # (gold category, predicted category) pairs
    fp: Counter = field(default_factory=Counter)
    fn: Counter = field(default_factory=Counter)


def precision_recall_f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall and F1 of the counts (0.0 where a ratio has nothing to count)."""
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


@dataclass(frozen=True)
class Summary:
    """One line of the ablation table."""

    precision: float
    recall: float
    f1: float
    false_positive_rate: float
    category_micro_f1: float
    listings: int


def summary(report: Report) -> Summary:
    p, r, f = precision_recall_f1(report.flagged_right, len(report.false_alarms), len(report.missed))
    tp, fp, fn = (sum(c.values()) for c in (report.tp, report.fp, report.fn))
    fpr = len(report.false_alarms) / max(report.clean, 1)
    return Summary(
        round(p, 3),
        round(r, 3),
        round(f, 3),
        round(fpr, 3),
        round(precision_recall_f1(tp, fp, fn)[2], 3),
        report.listings,
    )


def ablation_engines(config: EngineConfig) -> dict[str, Engine]:
    """Rules without the classifier, the classifier without rules, and both: engines built from one config."""
    everything = tuple(d.name for d in DETECTORS if config.runs(d.name))
    return {
        "rules": Engine(replace(config, detectors=tuple(n for n in everything if n != "classifier"))),
        "classifier": Engine(replace(config, detectors=tuple(n for n in everything if n != "rules"))),
        "combined": Engine(replace(config, detectors=everything)),
    }


def ablation(items: list[Labelled], config: EngineConfig) -> dict[str, Summary]:
    """Rules alone, classifier alone, and both, on the same listings."""
    return {mode: summary(evaluate(items, engine)) for mode, engine in ablation_engines(config).items()}


def format_ablation(rows: dict[str, Summary]) -> str:
    lines = [
        "| detectors | precision | recall | F1 | false-positive rate on clean | category micro-F1 |",
        "|---|---|---|---|---|---|",
    ]
    for mode, row in rows.items():
        lines.append(
            f"| {mode} | {row.precision:.2f} | {row.recall:.2f} | {row.f1:.2f} | "
            f"{row.false_positive_rate:.3f} | {row.category_micro_f1:.2f} |"
        )
    return "\n".join(lines)


def evaluate(items: list[Labelled], engine: Engine) -> Report:
    report = Report()
    analyses = engine.analyze_many(Document(item.title, item.text, item.platform) for item in items)
    for item, analysis in zip(items, analyses, strict=True):
        report.scores.append((analysis.score, bool(item.categories)))
        predicted = set(analysis.categories) if analysis.flagged else set()
        report.listings += 1
        platform = item.platform or "unknown"
        if item.categories:
            report.by_form[item.form] += 1
            report.by_platform[platform] += 1
            if analysis.flagged:
                report.flagged_right += 1
                report.caught_by_form[item.form] += 1
                report.caught_by_platform[platform] += 1
            else:
                report.missed.append(item)
        else:
            report.clean += 1
            report.clean_by_platform[platform] += 1
            if analysis.flagged:
                report.false_by_platform[platform] += 1
                report.false_alarms.append((item, [f.span.text for f in analysis.findings]))
        for gold_category in item.categories:
            for guessed in predicted - item.categories:
                report.confusion[(gold_category, guessed)] += 1
        for category in CATEGORIES:
            gold, guess = category in item.categories, category in predicted
            report.tp[category] += gold and guess
            report.fp[category] += guess and not gold
            report.fn[category] += gold and not guess
    return report


def format_report(report: Report, categories: bool = True) -> str:
    """The report as Markdown tables, as README shows them (by form, by platform, and by category)."""
    violations = report.listings - report.clean
    p, r, f = precision_recall_f1(report.flagged_right, len(report.false_alarms), len(report.missed))
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
    lines += ["", format_platforms(report)]
    if not categories:
        return "\n".join(lines)
    tp, fp, fn = (sum(c.values()) for c in (report.tp, report.fp, report.fn))
    lines += ["", "| category | precision | recall | F1 | listings |", "|---|---|---|---|---|"]
    for category in CATEGORIES:
        cp, cr, cf = precision_recall_f1(report.tp[category], report.fp[category], report.fn[category])
        lines.append(f"| `{category}` | {cp:.2f} | {cr:.2f} | {cf:.2f} | {report.tp[category] + report.fn[category]} |")
    mp, mr, mf = precision_recall_f1(tp, fp, fn)
    lines.append(f"| all categories (micro) | {mp:.2f} | {mr:.2f} | {mf:.2f} | {tp + fn} |")
    return "\n".join(lines)


def format_platforms(report: Report) -> str:
    """Recall on violations and false-positive rate on clean listings, platform by platform."""
    lines = ["| platform | recall on violations | false-positive rate on clean |", "|---|---|---|"]
    for platform in sorted(set(report.by_platform) | set(report.clean_by_platform)):
        caught, total = report.caught_by_platform[platform], report.by_platform[platform]
        false, clean = report.false_by_platform[platform], report.clean_by_platform[platform]
        recall = f"{caught / total:.2f} ({caught} of {total})" if total else "-"
        rate = f"{false / clean:.3f} ({false} of {clean})" if clean else "-"
        lines.append(f"| {platform} | {recall} | {rate} |")
    return "\n".join(lines)


def by_corpus(items: list[Labelled]) -> dict[str, list[Labelled]]:
    """The listings of each corpus present ('team', then 'real'): their figures are never pooled."""
    return {corpus: chosen for corpus in CORPORA if (chosen := [i for i in items if i.corpus == corpus])}


def format_confusion(report: Report, most: int = 12) -> str:
    """The most frequent (gold → wrongly added) category pairs; ties by name, so two runs print the same table."""
    lines = ["| labelled | also predicted (wrongly) | listings |", "|---|---|---|"]
    for (gold, guessed), count in sorted(report.confusion.items(), key=lambda pair: (-pair[1], pair[0]))[:most]:
        lines.append(f"| `{gold}` | `{guessed}` | {count} |")
    return "\n".join(lines)


def write_curve(reports: dict[str, Report], path: Path, split: str) -> Path:
    """Precision-recall curves (flagged vs violation) of several detector set-ups, as one PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import precision_recall_curve

    figure, axes = plt.subplots(figsize=(6, 4.5), dpi=120)
    for label, report in reports.items():
        scores = [s for s, _ in report.scores]
        truth = [t for _, t in report.scores]
        precision, recall, _ = precision_recall_curve(truth, scores)
        axes.plot(recall, precision, label=label)
    axes.set_xlabel("recall")
    axes.set_ylabel("precision")
    axes.set_ylim(0.4, 1.02)
    axes.grid(alpha=0.3)
    axes.legend()
    axes.set_title(f"TutorWatch: flagged vs labelled violation ({split} split)")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path
