"""Fit the classifier on the train split, measure it on dev and test, write the model and its card.

Features are TF-IDF over character 1–3-grams (optionally jieba words too, with the lexicons' terms
as a user dictionary) of the folded, de-obfuscated text the rules also read; one calibrated logistic
regression gives the violation probability, one-vs-rest logistic regressions the categories.
Extra labelled JSON Lines files (e.g. reviewed leads) join the training data unchanged.
"""

from __future__ import annotations

import hashlib
import json
import platform
import time
from dataclasses import asdict, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from detectors.categories import CATEGORIES
from detectors.classifier import FORMAT_VERSION, MODELS_DIR, add_words, save_bundle, words
from detectors.engine import Engine, EngineConfig
from detectors.evaluation import Labelled, split_of
from detectors.features import squeeze
from detectors.models import Document

# Character 1-3-grams alone: jieba's word features cost 5x the CPU of the whole rest of the
# classifier (306 vs 58 us a listing) and added nothing on the dev split (combined F1 0.98 with
# them, 0.99 without; docs/detection.md). "word_ngrams": [1, 2] brings them back.
PARAMETERS: dict[str, Any] = {
    "char_ngrams": [1, 3],  # of the text squeezed: lower case, whitespace runs one space, none at the ends
    "word_ngrams": None,
    "min_df": 2,
    "max_features_chars": 80000,
    "C": 4.0,
    "class_weight": "balanced",
    "calibration": "sigmoid, 3-fold",
}


def rules_engine(config: EngineConfig) -> Engine:
    """The rules alone, with the folding every detector reads: what training folds and tunes against."""
    return Engine(replace(config, detectors=("rules",)))


def folded(item: Labelled, engine: Engine) -> str:
    """The text the classifier sees: the same folded, de-obfuscated text the rules read."""
    return engine.fold(f"{item.title}\n{item.text}")


def user_words(engine: Engine) -> list[str]:
    """Domain words jieba must keep whole: every multi-character lexicon term."""
    lexicons = engine.catalogue.lexicons.values()
    return sorted({t for lexicon in lexicons for t in lexicon if len(t) >= 2 and not t.isascii()})


def data_hash(items: list[Labelled]) -> str:
    digest = hashlib.sha256()
    for item in sorted(items, key=lambda i: i.id):
        digest.update(
            json.dumps(
                [item.id, item.family, item.title, item.text, sorted(item.categories)], ensure_ascii=False
            ).encode()
        )
    return digest.hexdigest()


def fit(items: list[Labelled], engine: Engine, parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    """The model bundle (without its card) fitted on ``items`` as ``engine`` (the rules alone) folds them.

    ``parameters`` (default PARAMETERS): ``word_ngrams`` None leaves jieba's word features out.
    """
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import FeatureUnion
    from sklearn.preprocessing import MultiLabelBinarizer

    p = parameters or PARAMETERS
    blocks = [
        (
            "chars",
            TfidfVectorizer(
                analyzer="char",
                preprocessor=squeeze,
                ngram_range=tuple(p["char_ngrams"]),
                min_df=p["min_df"],
                sublinear_tf=True,
                max_features=p["max_features_chars"],
            ),
        )
    ]
    vocabulary = user_words(engine) if p["word_ngrams"] else []
    if p["word_ngrams"]:
        add_words(vocabulary)
        blocks.append(
            (
                "words",
                TfidfVectorizer(
                    tokenizer=words,
                    token_pattern=None,
                    lowercase=False,
                    ngram_range=tuple(p["word_ngrams"]),
                    min_df=p["min_df"],
                    sublinear_tf=True,
                ),
            )
        )
    features = FeatureUnion(blocks)
    texts = [folded(item, engine) for item in items]
    matrix = features.fit_transform(texts)
    flagged = [int(bool(item.categories)) for item in items]
    linear = LogisticRegression(C=p["C"], class_weight=p["class_weight"], max_iter=5000)
    violation = CalibratedClassifierCV(linear, method="sigmoid", cv=3).fit(matrix, flagged)
    labels = [c for c in CATEGORIES if any(c in item.categories for item in items)]
    binarizer = MultiLabelBinarizer(classes=labels)
    targets = binarizer.fit_transform([[c for c in item.categories if c in labels] for item in items])
    per_category = OneVsRestClassifier(LogisticRegression(C=p["C"], class_weight=p["class_weight"], max_iter=5000)).fit(
        matrix, targets
    )
    fitted = {"features": features, "violation": violation, "categories": per_category}
    return {**export(fitted), "labels": labels, "user_words": vocabulary, "fitted": fitted}


def export(fitted: dict[str, Any]) -> dict[str, Any]:
    """The plain arrays detectors/classifier.py needs, out of the fitted scikit-learn objects."""
    import numpy as np

    blocks = []
    for name, vectorizer in fitted["features"].transformer_list:
        assert vectorizer.sublinear_tf and vectorizer.norm == "l2"
        blocks.append(
            {
                "analyzer": name,
                "preprocess": "squeeze" if vectorizer.preprocessor is squeeze else "sklearn",
                "ngrams": list(vectorizer.ngram_range),
                "vocabulary": dict(vectorizer.vocabulary_),
                "idf": vectorizer.idf_.copy(),
            }
        )
    folds = fitted["violation"].calibrated_classifiers_
    estimators = [fold.estimator for fold in folds] + list(fitted["categories"].estimators_)
    return {
        "format": FORMAT_VERSION,
        "blocks": blocks,
        "weights": np.vstack([e.coef_[0] for e in estimators]).T.astype(np.float32),
        "intercepts": np.array([e.intercept_[0] for e in estimators]),
        "calibration": np.array([[f.calibrators[0].a_, f.calibrators[0].b_] for f in folds]),
    }


MAX_FALSE_POSITIVE_RATE = 0.03


def tune(items: list[Labelled], bundle: dict[str, Any], engine: Engine) -> dict[str, float]:
    """The rule weight and threshold that maximise F1 on ``items`` (the tune split) with ≤ 3% false positives.

    Not dev: rule writers read dev, so rules look better there than on unseen listings.
    """
    import numpy as np

    from detectors.classifier import Classifier

    model = Classifier({**bundle, "card": {}, "tuning": {}}, MODELS_DIR / "unsaved.pkl.gz")
    analyses = engine.analyze_many(Document(item.title, item.text, item.platform) for item in items)
    probabilities = np.array([p.violation for p in model.predict([folded(item, engine) for item in items])])
    rule_scores = np.array([analysis.score for analysis in analyses])
    labels = np.array([bool(item.categories) for item in items])
    best: tuple[tuple[bool, float], dict[str, float]] | None = None
    for weight in np.arange(0.2, 0.85, 0.05):
        scores = weight * rule_scores + (1 - weight) * probabilities
        for threshold in np.arange(0.2, 0.9, 0.02):
            flagged = scores >= threshold
            tp, fp = int((flagged & labels).sum()), int((flagged & ~labels).sum())
            fn = int((~flagged & labels).sum())
            fpr = fp / max(int((~labels).sum()), 1)
            f1 = 2 * tp / max(2 * tp + fp + fn, 1)
            key = (fpr <= MAX_FALSE_POSITIVE_RATE, f1 if fpr <= MAX_FALSE_POSITIVE_RATE else -fpr)
            if best is None or key > best[0]:
                best = (key, {"rule_weight": round(float(weight), 2), "threshold": round(float(threshold), 2)})
    assert best is not None
    return best[1]


def versions() -> dict[str, str]:
    import jieba
    import numpy
    import sklearn

    return {
        "scikit-learn": sklearn.__version__,
        "numpy": numpy.__version__,
        "jieba": jieba.__version__,
        "python": platform.python_version(),
    }


def train(
    items: list[Labelled], extra: list[Labelled], name: str, config: EngineConfig, models_dir: Path = MODELS_DIR
) -> tuple[Path, dict]:
    """Fit on the train split (+ extra), write ``<name>.pkl.gz`` and ``<name>.card.json``.

    ``config`` gives the rules the model is fitted beside; its dev and test figures are measured
    with that config and the new model.
    """
    from detectors.evaluation import ablation

    engine = rules_engine(config)
    training = [item for item in items if split_of(item.family) == "train"] + extra
    started = time.perf_counter()
    bundle = fit(training, engine)
    bundle["tuning"] = tune([item for item in items if split_of(item.family) == "tune"], bundle, engine)
    seconds = time.perf_counter() - started
    card: dict[str, Any] = {
        "name": name,
        "trained_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "training_seconds": round(seconds, 1),
        "data": {
            "sha256": data_hash(training),
            "train": len(training),
            "extra": len(extra),
            "dev": sum(split_of(i.family) == "dev" for i in items),
            "tune": sum(split_of(i.family) == "tune" for i in items),
            "test": sum(split_of(i.family) == "test" for i in items),
        },
        "versions": versions(),
        "parameters": PARAMETERS,
        "tuning": bundle["tuning"],
        "labels": bundle["labels"],
    }
    bundle["card"] = card
    del bundle["fitted"]  # the file holds plain arrays: loading it needs no scikit-learn
    path = models_dir / f"{name}.pkl.gz"
    save_bundle(bundle, path)
    card["metrics"] = {
        split: {
            mode: asdict(row)
            for mode, row in ablation(
                [i for i in items if split_of(i.family) == split], replace(config, model=path, threshold=None)
            ).items()
        }
        for split in ("dev", "test")
    }
    card["size_bytes"] = path.stat().st_size
    card_path = models_dir / f"{name}.card.json"
    card_path.write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path, card
