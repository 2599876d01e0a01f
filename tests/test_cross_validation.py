"""Grouped cross-validation: whole articles and families per fold, never a test listing, every listing scored once."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from detectors.cross_validation import figures, folds_of, format_cv, group_of, out_of_fold, readable_items
from detectors.engine import EngineConfig
from detectors.evaluation import labelled_files, load_labelled
from detectors.training import COMBINATION, PARAMETERS


def test_folds_keep_groups_whole_and_never_read_a_test_part() -> None:
    items = load_labelled(labelled_files())
    chosen = readable_items(items)
    assert chosen and all(item.split != "test" for item in chosen)
    assert len(chosen) < len(items)  # the frozen real part and the team test part stay out
    folds = folds_of(chosen)
    seen: dict[str, set[int]] = defaultdict(set)
    for item, fold in zip(chosen, folds, strict=True):
        seen[group_of(item)].add(int(fold))
    assert all(len(f) == 1 for f in seen.values())
    assert set(folds.tolist()) == set(range(5))
    for fold in range(5):  # each fold holds both corpora, violations and clean
        held = [item for item, f in zip(chosen, folds, strict=True) if f == fold]
        assert {(item.corpus, bool(item.categories)) for item in held} == {
            ("team", True),
            ("team", False),
            ("real", True),
            ("real", False),
        }


def test_out_of_fold_scores_every_readable_listing_once() -> None:
    items = [i for i in load_labelled(labelled_files()) if i.split == "dev"]  # small: two folds of dev
    parameters = {**PARAMETERS, "max_features_chars": 5000}
    scores = out_of_fold(items, EngineConfig(), parameters, folds=2)
    assert len(scores.labels) == len(items)
    assert ((scores.probabilities >= 0) & (scores.probabilities <= 1)).all()
    assert scores.probabilities.std() > 0.05 and ((scores.cases > 0) & (scores.cases < 1)).all()
    flagged = scores.probabilities >= 0.5
    rows = figures(scores, flagged)
    assert set(rows) == {"team", "real"} and rows["team"].recall > 0.5  # a model fitted on half of dev still reads
    report = format_cv(scores, COMBINATION, folds=2)
    assert "chosen on out-of-fold" in report and "real-world" in report
    team_only = out_of_fold(items, EngineConfig(), parameters, fitted_on=("team",), folds=2)
    assert len(team_only.labels) == len(items) and not np.allclose(team_only.probabilities, scores.probabilities)
