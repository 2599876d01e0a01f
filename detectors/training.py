"""Fit the classifier on the readable splits, measure it on the test parts, write the model and its card.

Features are TF-IDF over character 1–3-grams (optionally jieba words too, with the lexicons' terms
as a user dictionary) of the folded, de-obfuscated text the rules also read; one calibrated logistic
regression gives the violation probability, one-vs-rest logistic regressions the categories.
It learns from the readable parts of both corpora (the team-written listings and the
real-world ones); the frozen real-world test part is never loaded here: ``readable`` refuses it,
and the card records the ids of every listing fitted or tuned on so a test can check. Extra
labelled JSON Lines files (e.g. reviewed leads) join the training data unchanged.
"""

from __future__ import annotations

import hashlib
import json
import platform
import time
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from detectors.case_fit import case_rows
from detectors.case_fit import fit as fit_case
from detectors.case_reading import CaseModel
from detectors.categories import CATEGORIES
from detectors.classifier import FORMAT_VERSION, MODELS_DIR, add_words, save_bundle, words
from detectors.engine import Engine, EngineConfig
from detectors.errors import DetectorError
from detectors.evaluation import Labelled
from detectors.features import squeeze
from detectors.models import Document
from detectors.splits import FROZEN, READABLE

# Character 1-3-grams alone: jieba's word features cost 5x the CPU of the whole rest of the
# classifier (306 vs 58 us a listing) and added nothing on the dev split (combined F1 0.98 with
# them, 0.99 without; docs/detection.md). "word_ngrams": [1, 2] brings them back.
PARAMETERS: dict[str, Any] = {
    "char_ngrams": [1, 3],  # of the text squeezed: lower case, whitespace runs one space, none at the ends
    "word_ngrams": None,
    "min_df": 2,
    "max_features_chars": 80000,
    "C": 16.0,  # grouped cross-validation: 4.0 → 16.0 raised out-of-fold F1 (docs/detection.md); 32 no better
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


def features_of(p: dict[str, Any], engine: Engine) -> tuple[Any, list[str]]:
    """The unfitted TF-IDF feature union ``p`` describes, and the user words its word block needs."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

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
    return FeatureUnion(blocks), vocabulary


def corpus_weights(items: list[Labelled], real_share: float | None) -> Any:
    """Sample weights giving the real-world listings ``real_share`` of the total weight (None: one each)."""
    import numpy as np

    weights = np.ones(len(items))
    real = np.array([item.corpus == "real" for item in items])
    if real_share is None or real.all() or not real.any():
        return weights
    weights[real] = real_share * len(items) / real.sum()
    weights[~real] = (1 - real_share) * len(items) / (~real).sum()
    return weights


def fit_violation(
    items: list[Labelled], engine: Engine, p: dict[str, Any], texts: list[str] | None = None
) -> tuple[Any, Any, list[str]]:
    """The fitted features, the calibrated violation model and the user words, on ``items`` (folded ``texts``)."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression

    features, vocabulary = features_of(p, engine)
    matrix = features.fit_transform(texts if texts is not None else [folded(item, engine) for item in items])
    flagged = [int(bool(item.categories)) for item in items]
    linear = LogisticRegression(C=p["C"], class_weight=p["class_weight"], max_iter=5000)
    violation = CalibratedClassifierCV(linear, method="sigmoid", cv=3)
    violation.fit(matrix, flagged, sample_weight=corpus_weights(items, p.get("real_share")))
    return features, violation, vocabulary


def fit(items: list[Labelled], engine: Engine, parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    """The model bundle (without its card) fitted on ``items`` as ``engine`` (the rules alone) folds them.

    ``parameters`` (default PARAMETERS): ``word_ngrams`` None leaves jieba's word features out.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.preprocessing import MultiLabelBinarizer

    p = parameters or PARAMETERS
    texts = [folded(item, engine) for item in items]
    features, violation, vocabulary = fit_violation(items, engine, p, texts)
    matrix = features.transform(texts)
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


# The false-positive rate each corpus may reach at the chosen weight and threshold (out of fold, or on tune):
# issue 18's aim, 2%, on both. At 3% on the team-written listings the tuning capped the model's veto
# (rule margin 0.3) for one more false positive of 91 on tune, which on the test parts cost 3-6
# false positives in 100 clean listings (docs/detection.md): a trade of the team's figures the
# issue rules out.
MAX_FALSE_POSITIVE_RATE = {"team": 0.02, "real": 0.02}
# The rule/model combination the shipped model uses: chosen by ``choose`` on the out-of-fold scores of
# the grouped cross-validation (``tutorwatch evaluate --cv``, detectors/cross_validation.py) with
# PARAMETERS, not on the tune split: issue 18c's rule writer read tune, and 128 real-world listings
# are too few to choose three values on (tune chose w 0.40, threshold 0.58 before; searched again
# after 18c it chose w 0.50, threshold 0.48, which flagged 3.6% and 4.3% of the test parts' clean).
COMBINATION: dict[str, float | None] = {"rule_weight": 0.45, "threshold": 0.54, "rule_margin": None}
# What the shipped model is fitted on: every readable split. The combination no longer needs tune held
# out (cross-validation chooses it), and the real-world corpus is small: train alone holds 56% of its
# readable listings.
FIT_SPLITS = READABLE
WEIGHTS = [round(0.2 + 0.05 * i, 2) for i in range(17)]  # 0.2 … 1.0 (1.0: the rules alone)
THRESHOLDS = [round(0.2 + 0.02 * i, 2) for i in range(35)]  # 0.2 … 0.88
# How far the model may pull the score below the findings' own (scoring.combine); None: no limit.
MARGINS: list[float | None] = [None] + [round(0.05 * i, 2) for i in range(13)]  # 0 … 0.6


def tune(items: list[Labelled], bundle: dict[str, Any], engine: Engine) -> dict[str, float | None]:
    """The rule weight, threshold and rule margin that maximise the mean F1 of the corpora in ``items`` (tune).

    The search is ``choose``'s. Not dev: rule writers read dev, so rules look better there than on unseen listings.
    """
    import numpy as np

    from detectors.classifier import Classifier
    from detectors.scoring import standing_score, strong_score

    model = Classifier({**bundle, "card": {}, "tuning": {}}, MODELS_DIR / "unsaved.pkl.gz")
    analyses = engine.analyze_many(Document(item.title, item.text, item.platform) for item in items)
    probabilities = np.array([p.violation for p in model.predict([folded(item, engine) for item in items])])
    rule_scores = np.array([analysis.score for analysis in analyses])
    strong_scores = np.array([strong_score(analysis.findings) for analysis in analyses])
    standing = np.array([standing_score(analysis.findings) for analysis in analyses])
    # the high- and medium-confidence findings stand at their score times the case reading's opinion (scoring.combine)
    cases = model.case.probability(case_rows(items, engine.config)) if model.case else np.zeros(len(items))
    labels = np.array([bool(item.categories) for item in items])
    corpus = np.array([item.corpus for item in items])
    return choose(Scores(labels, corpus, probabilities, rule_scores, strong_scores, cases, standing))


@dataclass(frozen=True)
class Scores:
    """Per listing: its label and corpus, the classifier's probability, the rules' and the strong findings' scores,
    the case reading's probability and the score of the findings it may let stand (None: the strong ones'):
    all that the combination (scoring.combine) weighs."""

    labels: Any
    corpus: Any
    probabilities: Any
    rules: Any
    strong: Any
    cases: Any
    standing: Any = None

    def combined(self, weight: float, margin: float | None) -> Any:
        """scoring.combine over the arrays."""
        import numpy as np

        scores = weight * self.rules + (1 - weight) * self.probabilities
        if margin is not None:
            scores = np.maximum(scores, self.strong - margin)
        return np.maximum(scores, (self.strong if self.standing is None else self.standing) * self.cases)


def choose(s: Scores, margins: list[float | None] | None = None) -> dict[str, float | None]:
    """The rule weight, threshold and rule margin that maximise the mean F1 of the corpora, each within its FPR cap.

    Each corpus counts alike, however many listings it has, and each must keep its false-positive
    rate within MAX_FALSE_POSITIVE_RATE; if no setting does, the one with the lowest excess wins.
    Among equals the threshold nearest 0.5 and then the widest margin (the model's veto least
    capped) win. ``margins``: those searched (default MARGINS).
    """
    import numpy as np

    parts = [(s.corpus == name, MAX_FALSE_POSITIVE_RATE.get(name, 0.02)) for name in sorted(set(s.corpus))]
    labels = s.labels
    best: tuple[tuple[bool, float, float, float], dict[str, float | None]] | None = None
    for weight in WEIGHTS:
        for margin in MARGINS if margins is None else margins:
            scores = s.combined(weight, margin)
            for threshold in THRESHOLDS:
                flagged = scores >= threshold
                f1s, excess = [], []
                for mask, cap in parts:
                    f, t = flagged[mask], labels[mask]
                    tp, fp, fn = int((f & t).sum()), int((f & ~t).sum()), int((~f & t).sum())
                    f1s.append(2 * tp / max(2 * tp + fp + fn, 1))
                    excess.append(fp / max(int((~t).sum()), 1) - cap)
                feasible = max(excess) <= 1e-9
                key = (
                    feasible,
                    float(np.mean(f1s)) if feasible else -max(excess),
                    -abs(threshold - 0.5),
                    1.0 if margin is None else margin,
                )
                if best is None or key > best[0]:
                    best = (key, {"rule_weight": weight, "threshold": threshold, "rule_margin": margin})
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


CORPORA = ("team", "real")


def readable(items: list[Labelled], split: str, corpora: tuple[str, ...] = CORPORA) -> list[Labelled]:
    """The listings of one readable split (train, dev or tune) of the chosen corpora; never the test part."""
    if split not in READABLE:
        raise DetectorError(f"training and tuning read only the {'/'.join(READABLE)} splits, not {split!r}")
    return [item for item in items if item.split == split and item.corpus in corpora]


def refuse_frozen(extra: list[Labelled]) -> list[Labelled]:
    """Extra training listings, refused if any is a real-world listing of the frozen test part."""
    frozen = [item.id for item in extra if item.corpus == "real" and item.split == FROZEN]
    if frozen:
        raise DetectorError(
            f"--extra holds {len(frozen)} listing(s) of the frozen real-world test part (e.g. {frozen[0]});"
            " they are never trained on"
        )
    return extra


def train(
    items: list[Labelled],
    extra: list[Labelled],
    name: str,
    config: EngineConfig,
    models_dir: Path = MODELS_DIR,
    corpora: tuple[str, ...] = CORPORA,
) -> tuple[Path, dict]:
    """Fit on the readable splits of ``corpora`` (+ extra) with COMBINATION, write the model and its card.

    ``config`` gives the rules the model is fitted beside; its test figures are measured with that
    config and the new model, each corpus apart (the combination and PARAMETERS are chosen by
    ``tutorwatch evaluate --cv``, which reads no test part).
    """
    from detectors.evaluation import ablation, by_corpus

    engine = rules_engine(config)
    training = [item for split in FIT_SPLITS for item in readable(items, split, corpora)] + refuse_frozen(extra)
    started = time.perf_counter()
    bundle = fit(training, engine)
    bundle["case"] = fit_case(training, config)
    bundle["tuning"] = dict(COMBINATION)
    seconds = time.perf_counter() - started
    card: dict[str, Any] = {
        "name": name,
        "trained_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "training_seconds": round(seconds, 1),
        "data": {
            "sha256": data_hash(training),
            "corpora": list(corpora),
            "train": len(training),
            "extra": len(extra),
            **{
                f"{split}_{corpus}": sum(i.split == split and i.corpus == corpus for i in items)
                for split in ("train", "dev", "tune", "test")
                for corpus in CORPORA
            },
            # what was read, so a test can check that no frozen listing was fitted or tuned on
            "ids": {"train": sorted(i.id for i in training)},
        },
        "versions": versions(),
        "parameters": PARAMETERS,
        "tuning": bundle["tuning"],
        "labels": bundle["labels"],
        # the case reading (detectors/case_reading.py): its weights per standard deviation, largest first
        "case": {"C": bundle["case"]["C"], "weights": CaseModel(bundle["case"]).weights()},
    }
    bundle["card"] = card
    del bundle["fitted"]  # the file holds plain arrays: loading it needs no scikit-learn
    path = models_dir / f"{name}.pkl.gz"
    save_bundle(bundle, path)
    measured = replace(config, model=path, threshold=None)
    card["metrics"] = {
        f"{split}_{corpus}": {mode: asdict(row) for mode, row in ablation(part, measured).items()}
        for split in ("test",)  # dev is fitted on now
        for corpus, part in by_corpus([i for i in items if i.split == split]).items()
    }
    card["size_bytes"] = path.stat().st_size
    card_path = models_dir / f"{name}.card.json"
    card_path.write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path, card
