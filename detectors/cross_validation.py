"""Grouped cross-validation over the readable parts of both corpora: how the model does on sources it never saw.

The tune split is small (128 real-world listings) and issue 18c's rule writer read it, so choices
made on it overfit; the frozen test part must never be tuned on. Every readable listing (train,
dev and tune of both corpora) is instead held out once: the listings are cut into folds by group —
a real-world listing's article (detectors/splits.py: its source, mirrors joined) and a
team-written listing's family — so no fold is scored by a model fitted on its siblings. In each
fold the classifier and the case reading are fitted on the other folds, as ``tutorwatch train``
fits them; the rules' scores are the same in every fold (the rules were written from train and
dev, so the combined figures flatter the rules a little: compare settings, not these figures with
the test parts'). The combination (rule weight and threshold; no margin, see MARGINS) is then
chosen on the out-of-fold scores by ``training.choose``; ``training.COMBINATION`` holds its choice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from detectors.case_fit import case_rows
from detectors.case_fit import fit as fit_case
from detectors.case_reading import CaseModel
from detectors.engine import EngineConfig
from detectors.evaluation import CORPORA as CORPUS_NAMES
from detectors.evaluation import Labelled, precision_recall_f1
from detectors.models import Document
from detectors.scoring import standing_score, strong_score
from detectors.splits import READABLE, article_of
from detectors.training import CORPORA, PARAMETERS, Scores, choose, fit_violation, folded, rules_engine

FOLDS = 5
# No rule margin is searched here: a margin lets strong findings flag whatever the model says, and
# the rules were written from these very listings, so out of fold they look surer than they are
# (rules alone: 3% false positives on the readable real-world listings, 5.4% on the frozen part).
MARGINS: list[float | None] = [None]
SEED = 0  # the folds' shuffle: fixed, so the figure is reproducible


def group_of(item: Labelled) -> str:
    """What must stay in one fold: a real-world listing's article, a team-written listing's family."""
    return f"real:{article_of(item.source)}" if item.source is not None else f"team:{item.family}"


def readable_items(items: Sequence[Labelled]) -> list[Labelled]:
    """Train, dev and tune of both corpora: never a test part (the real corpus's frozen one included)."""
    return [item for item in items if item.split in READABLE]


def folds_of(items: Sequence[Labelled], folds: int = FOLDS) -> np.ndarray:
    """Each listing's fold: whole groups, each fold with about its share of both corpora's violations and clean."""
    from sklearn.model_selection import StratifiedGroupKFold

    labels = np.array([bool(item.categories) for item in items])
    strata = labels.astype(int) + 2 * np.array([item.corpus == "real" for item in items])
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=SEED)
    out = np.zeros(len(items), dtype=int)
    for number, (_, held) in enumerate(splitter.split(np.zeros(len(items)), strata, [group_of(i) for i in items])):
        out[held] = number
    return out


def out_of_fold(
    items: Sequence[Labelled],
    config: EngineConfig,
    parameters: dict[str, Any] | None = None,
    fitted_on: tuple[str, ...] = CORPORA,
    folds: int = FOLDS,
) -> Scores:
    """Every readable listing's scores from a classifier and case reading fitted without its fold's groups.

    ``fitted_on`` limits what each fold's models learn from (the held-out fold keeps both corpora), so
    the figures with and without the other corpus in training compare on the same listings.
    """
    chosen = readable_items(items)
    engine = rules_engine(config)
    texts = [folded(item, engine) for item in chosen]
    analyses = engine.analyze_many(Document(item.title, item.text, item.platform) for item in chosen)
    rows = case_rows(chosen, config)
    labels = np.array([bool(item.categories) for item in chosen])
    corpus = np.array([item.corpus for item in chosen])
    probabilities, cases = np.zeros(len(chosen)), np.zeros(len(chosen))
    fold = folds_of(chosen, folds)
    for number in range(folds):
        held = np.flatnonzero(fold == number)
        train = np.flatnonzero((fold != number) & np.isin(corpus, fitted_on))
        fitting = [chosen[i] for i in train]
        features, violation, _ = fit_violation(fitting, engine, parameters or PARAMETERS, [texts[i] for i in train])
        probabilities[held] = violation.predict_proba(features.transform([texts[i] for i in held]))[:, 1]
        case = CaseModel(fit_case(fitting, config, rows[train]))
        cases[held] = case.probability(rows[held])
    rules = np.array([analysis.score for analysis in analyses])
    strong = np.array([strong_score(analysis.findings) for analysis in analyses])
    standing = np.array([standing_score(analysis.findings) for analysis in analyses])
    return Scores(labels, corpus, probabilities, rules, strong, cases, standing)


@dataclass(frozen=True)
class Figures:
    """One corpus's out-of-fold figures at one setting."""

    listings: int
    precision: float
    recall: float
    false_positive_rate: float
    f1: float


def figures(scores: Scores, flagged: np.ndarray) -> dict[str, Figures]:
    """Precision, recall, false-positive rate and F1 of ``flagged`` against the labels, per corpus."""
    out = {}
    for name in CORPORA:
        mask = scores.corpus == name
        if not mask.any():
            continue
        f, t = flagged[mask], scores.labels[mask]
        tp, fp, fn = int((f & t).sum()), int((f & ~t).sum()), int((~f & t).sum())
        precision, recall, f1 = precision_recall_f1(tp, fp, fn)
        out[name] = Figures(
            int(mask.sum()), round(precision, 3), round(recall, 3), round(fp / max(int((~t).sum()), 1), 3), round(f1, 3)
        )
    return out


def settings(scores: Scores, shipped: dict[str, float | None]) -> dict[str, tuple[dict[str, float | None], Any]]:
    """The rows the report shows: classifier alone, rules alone, the shipped combination and the one chosen here."""
    chosen = choose(scores, MARGINS)
    rows: dict[str, tuple[dict[str, float | None], Any]] = {
        "classifier alone (p >= 0.5)": ({}, scores.probabilities >= 0.5),
        "rules alone (score >= 0.5)": ({}, scores.rules >= 0.5),
    }
    for name, setting in (("shipped combination", shipped), ("chosen on out-of-fold", chosen)):
        flagged = scores.combined(setting["rule_weight"], setting["rule_margin"]) >= setting["threshold"]
        rows[name] = (setting, flagged)
    return rows


def format_cv(scores: Scores, shipped: dict[str, float | None], folds: int = FOLDS) -> str:
    """The report of ``tutorwatch evaluate --cv``: each setting's figures per corpus, out of fold."""
    lines = [f"grouped {folds}-fold cross-validation over the readable listings (groups: article / family)"]
    lines.append(f"{'setting':<30} {'corpus':<13} {'n':>5} {'P':>6} {'R':>6} {'FPR':>6} {'F1':>6}")
    for name, (setting, flagged) in settings(scores, shipped).items():
        for corpus, row in figures(scores, flagged).items():
            lines.append(
                f"{name:<30} {CORPUS_NAMES[corpus]:<13} {row.listings:>5} {row.precision:>6.3f} {row.recall:>6.3f} "
                f"{row.false_positive_rate:>6.3f} {row.f1:>6.3f}"
            )
        if setting:
            margin = setting["rule_margin"]
            lines.append(
                f"{'':<30} rule weight {setting['rule_weight']}, threshold {setting['threshold']}, "
                f"margin {'none' if margin is None else margin}"
            )
    return "\n".join(lines)
