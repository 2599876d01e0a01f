"""Fit the case reading (detectors/case_reading.py) on the train split: a logistic regression over case facts.

The facts are counted on every train listing of the chosen corpora, each corpus weighing alike
however many listings it has (the real-world corpus is a fifth of the team's). The rules'
own output (their score, which categories fired) is left out of the fit: the rules were written
from the train split and catch nearly all of it, so a model fitted there would learn to trust
them blindly (issue 18c/18d's finding); the opinion must come from the listing's facts alone.
Deterministic: lbfgs on the same rows gives the same weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from detectors.case_reading import CaseReader, feature_names
from detectors.engine import Engine, EngineConfig
from detectors.evaluation import Labelled
from detectors.models import Document

RULE_OUTPUT = ("rules", "rules_strong", "findings", "fired_")  # feature names (prefixes) left out of the fit
C = 1.0  # chosen on the tune split among 0.1, 0.3, 1.0 (docs/detection.md)


def fitted_names() -> list[str]:
    """The case features the model is fitted on: all but the rules' own output."""
    return [name for name in feature_names() if not name.startswith(RULE_OUTPUT)]


def case_rows(items: Sequence[Labelled], config: EngineConfig) -> np.ndarray:
    """The case features of labelled listings, read as the engine reads them (rules and contacts, no model)."""
    engine = Engine(replace(config, model=None, detectors=("rules", "parties")))
    reader = CaseReader(engine.catalogue.lexicons)
    readings = [
        reading
        for start in range(0, len(items), 256)
        for reading in engine.read_many([Document(i.title, i.text, i.platform) for i in items[start : start + 256]])
    ]
    return reader.features(readings)


def fit(items: Sequence[Labelled], config: EngineConfig, rows: np.ndarray | None = None) -> dict[str, Any]:
    """The case model's plain arrays (names, mean, scale, coef, intercept) fitted on ``items``.

    ``rows``: their ``case_rows`` when already read (cross-validation reads every listing once).
    """
    from sklearn.linear_model import LogisticRegression

    names = fitted_names()
    all_names = feature_names()
    rows = (case_rows(items, config) if rows is None else rows)[:, [all_names.index(n) for n in names]]
    labels = np.array([bool(item.categories) for item in items])
    corpora = np.array([item.corpus for item in items])
    weights = np.ones(len(items))
    present = sorted(set(corpora))
    for corpus in present:
        mask = corpora == corpus
        weights[mask] = len(items) / (len(present) * mask.sum())
    mean = rows.mean(axis=0)
    scale = rows.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=C, max_iter=5000).fit((rows - mean) / scale, labels, sample_weight=weights)
    return {
        "names": names,
        "mean": mean,
        "scale": scale,
        "coef": model.coef_[0].astype(np.float64),
        "intercept": float(model.intercept_[0]),
        "C": C,
    }
