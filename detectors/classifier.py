"""The second detector: a jieba + character n-gram linear model over the folded, de-obfuscated text.

It catches what no rule names ("寒假给孩子把初中物理的坑补上…三个孩子一起上更划算"). A model file
is a joblib bundle written by ``tutorwatch train`` with its model card beside it; loading one
made by an incompatible scikit-learn fails with a one-line error that names the retrain command.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from detectors.errors import ConfigError

MODELS_DIR = Path(__file__).resolve().parent.parent / "data" / "models"
DEFAULT_MODEL = MODELS_DIR / "tutorwatch.joblib"
FORMAT_VERSION = 1


@lru_cache(maxsize=1)
def _jieba() -> Any:
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    return jieba


def add_words(words: list[str]) -> None:
    """Domain words (一对一, 住家教师, 幼小衔接 …) that jieba must keep whole."""
    jieba = _jieba()
    for word in words:
        jieba.add_word(word, freq=2000)


def words(text: str) -> list[str]:
    """jieba tokens without whitespace and punctuation: the word features (module level: picklable)."""
    return [w for w in _jieba().lcut(text, HMM=False) if w.strip() and (w.isalnum() or len(w) > 1)]


@dataclass(frozen=True)
class Prediction:
    violation: float  # calibrated probability that the listing breaks a rule
    categories: dict[str, float]  # per-category probabilities (one-vs-rest)
    terms: tuple[str, ...]  # features of this text that pushed the violation score up most


class Classifier:
    """A loaded model bundle; ``predict`` takes folded texts."""

    def __init__(self, bundle: dict[str, Any], path: Path) -> None:
        self.path = path
        self.card = bundle["card"]
        self.features = bundle["features"]
        self.violation = bundle["violation"]
        self.categories = bundle["categories"]
        self.labels: list[str] = bundle["labels"]
        add_words(bundle["user_words"])
        self._names = np.asarray(self.features.get_feature_names_out())
        self._coef = np.mean([c.estimator.coef_[0] for c in self.violation.calibrated_classifiers_], axis=0)

    @classmethod
    def load(cls, path: Path = DEFAULT_MODEL) -> Classifier:
        import joblib
        import sklearn

        retrain = f"retrain it with `tutorwatch train --name {path.stem}`"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                bundle = joblib.load(path)
        except FileNotFoundError:
            raise ConfigError(f"{path}: no model file; {retrain}") from None
        except Exception as exc:  # a truncated or foreign file: pickle raises many kinds
            raise ConfigError(f"{path}: not a usable model ({type(exc).__name__}); {retrain}") from None
        if not isinstance(bundle, dict) or bundle.get("format") != FORMAT_VERSION:
            raise ConfigError(f"{path}: not a TutorWatch model of format {FORMAT_VERSION}; {retrain}")
        trained = bundle["card"]["versions"]["scikit-learn"]
        if trained.split(".")[:2] != sklearn.__version__.split(".")[:2]:
            raise ConfigError(f"{path}: trained with scikit-learn {trained}, this is {sklearn.__version__}; {retrain}")
        return cls(bundle, path)

    def predict(self, texts: list[str], top: int = 5) -> list[Prediction]:
        matrix = self.features.transform(texts)
        violation = self.violation.predict_proba(matrix)[:, 1]
        per_category = self.categories.predict_proba(matrix)
        out = []
        for row in range(len(texts)):
            vector = matrix.getrow(row)
            weights = vector.data * self._coef[vector.indices]
            order = np.argsort(-weights)[:top]
            pushing = tuple(str(self._names[vector.indices[i]]).split("__", 1)[-1] for i in order if weights[i] > 0)
            cats = {label: float(per_category[row, i]) for i, label in enumerate(self.labels)}
            out.append(Prediction(float(violation[row]), cats, pushing))
        return out


@lru_cache(maxsize=2)
def load_default(path: str | None = None) -> Classifier | None:
    """The model analyze() uses: TUTORWATCH_MODEL ("none": rules only), else data/models/tutorwatch.joblib."""
    chosen = path or os.environ.get("TUTORWATCH_MODEL")
    if chosen == "none" or (chosen is None and not DEFAULT_MODEL.exists()):
        return None
    return Classifier.load(Path(chosen or DEFAULT_MODEL))
