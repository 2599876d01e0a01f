"""The second detector: a jieba + character n-gram linear model over the folded, de-obfuscated text.

It catches what no rule names ("寒假给孩子把初中物理的坑补上…三个孩子一起上更划算"). A model file
is a gzip-compressed pickle of plain arrays written by ``tutorwatch train`` (model card beside it;
only load model files you made or trust, as with any pickle); loading one
made by an incompatible scikit-learn fails with a one-line error that names the retrain command.
"""

from __future__ import annotations

import gzip
import hashlib
import pickle
import warnings
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from detectors.case_reading import CaseModel
from detectors.detector import Detector, Reading
from detectors.errors import ConfigError
from detectors.features import block
from detectors.models import Prediction
from detectors.segmenter import jieba_loaded

if TYPE_CHECKING:
    from detectors.engine import Engine

MODELS_DIR = Path(__file__).resolve().parent.parent / "data" / "models"
DEFAULT_MODEL = MODELS_DIR / "tutorwatch.pkl.gz"
FORMAT_VERSION = 2


USER_WORD_FREQ = 2000


def add_words(words: list[str]) -> None:
    """Domain words (一对一, 住家教师, 幼小衔接 …) that jieba must keep whole, each added once per process.

    jieba's add_word adds the frequency to its running total on every call, and the total weighs
    every segmentation: adding the same words again (a second model loaded, a model fitted then
    tuned) would cut the same text differently later in the process than in a fresh one.
    """
    jieba = jieba_loaded()
    for word in words:
        if jieba.dt.FREQ.get(word) != USER_WORD_FREQ:
            jieba.add_word(word, freq=USER_WORD_FREQ)


def words(text: str) -> list[str]:
    """jieba tokens without whitespace and punctuation: the word features (module level: picklable)."""
    return [w for w in jieba_loaded().lcut(text, HMM=False) if w.strip() and (w.isalnum() or len(w) > 1)]


def word_ngrams(text: str, low: int, high: int) -> list[str]:
    """Word n-grams of jieba tokens, joined by spaces as scikit-learn joins them."""
    tokens = words(text)
    return [" ".join(tokens[i : i + n]) for n in range(low, high + 1) for i in range(len(tokens) - n + 1)]


class Classifier:
    """A loaded model: plain arrays exported from the fitted scikit-learn objects.

    Inference for a batch is one feature pass (detectors/features.py) and one matrix product,
    with no scikit-learn import and none of its per-call checks; tests hold the two to the same
    numbers. jieba is loaded only for a model with word features.
    """

    def __init__(self, bundle: dict[str, Any], path: Path, digest: str = "") -> None:
        self.path = path
        self.id = f"{path.name.split('.')[0]}:{digest[:12] or 'unsaved'}"  # name and file hash, for stamps
        self.card = bundle["card"]
        self.labels: list[str] = bundle["labels"]
        self.tuning: dict[str, Any] = bundle["tuning"]  # rule_weight, threshold, rule_margin: chosen on tune
        if any(spec["analyzer"] == "words" for spec in bundle["blocks"]):
            add_words(bundle["user_words"])
        self._blocks = [block(spec, words) for spec in bundle["blocks"]]  # in column order
        self._weights = bundle["weights"]  # features × (calibration folds + categories)
        self._intercepts = bundle["intercepts"]
        self._calibration = bundle["calibration"]  # per fold: sigmoid a, b
        self._folds = len(self._calibration)
        self._coef = self._weights[:, : self._folds].mean(axis=1)
        names: list[str] = []
        for spec in bundle["blocks"]:
            names.extend(sorted(spec["vocabulary"], key=spec["vocabulary"].__getitem__))
        self._names = names
        self.case = CaseModel.load(bundle.get("case"))  # the case reading's second opinion (None: a model without it)

    @classmethod
    def load(cls, path: Path = DEFAULT_MODEL) -> Classifier:
        retrain = f"retrain it with `tutorwatch train --name {path.name.split('.')[0]}`"
        try:
            raw = path.read_bytes()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                bundle = pickle.loads(gzip.decompress(raw))
        except FileNotFoundError:
            raise ConfigError(f"{path}: no model file; {retrain}") from None
        except Exception as exc:  # a truncated or foreign file: pickle raises many kinds
            raise ConfigError(f"{path}: not a usable model ({type(exc).__name__}); {retrain}") from None
        if not isinstance(bundle, dict) or bundle.get("format") != FORMAT_VERSION:
            raise ConfigError(f"{path}: not a TutorWatch model of format {FORMAT_VERSION}; {retrain}")
        trained, installed = bundle.get("card", {}).get("versions", {}).get("scikit-learn", "?"), sklearn_version()
        if installed is not None and trained.split(".")[:2] != installed.split(".")[:2]:
            raise ConfigError(f"{path}: trained with scikit-learn {trained}, this is {installed}; {retrain}")
        return cls(bundle, path, hashlib.sha256(raw).hexdigest())

    def rows(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(document, column, value) of every feature of the batch, sorted by document: the TF-IDF matrix."""
        docs, columns, values = [], [], []
        offset = 0
        for feature_block in self._blocks:
            d, c, v = feature_block.rows(texts)
            docs.append(d)
            columns.append(c + offset)
            values.append(v)
            offset += feature_block.width
        d, c, v = np.concatenate(docs), np.concatenate(columns), np.concatenate(values)
        order = np.argsort(d, kind="stable")
        return d[order], c[order], v[order]

    def predict(self, texts: Sequence[str], top: int = 5) -> list[Prediction]:
        """One Prediction per text: the features of the batch at once, then one product with the weights."""
        if not texts:
            return []
        docs, columns, values = self.rows(texts)
        bounds = np.searchsorted(docs, np.arange(len(texts) + 1))
        decisions = np.tile(self._intercepts, (len(texts), 1))
        filled = np.flatnonzero(bounds[1:] > bounds[:-1])
        if len(filled):
            products = self._weights[columns].astype(np.float64) * values[:, None]
            decisions[filled] += np.add.reduceat(products, bounds[:-1][filled], axis=0)
        a, b = self._calibration[:, 0], self._calibration[:, 1]
        violation = np.mean(1.0 / (1.0 + np.exp(a * decisions[:, : self._folds] + b)), axis=1)
        per_category = 1.0 / (1.0 + np.exp(-decisions[:, self._folds :]))
        out = []
        for i in range(len(texts)):
            start, end = bounds[i], bounds[i + 1]
            cats = dict(zip(self.labels, per_category[i].tolist(), strict=True))
            explain = partial(self._terms, columns[start:end], values[start:end], top)
            out.append(Prediction(float(violation[i]), cats, explain))
        return out

    def _terms(self, columns: np.ndarray, values: np.ndarray, top: int) -> tuple[str, ...]:
        """The features that pushed one text's violation score up most (only worked out for a finding)."""
        pushes = values * self._coef[columns]
        named = (self._names[columns[i]].strip() for i in np.argsort(-pushes, kind="stable") if pushes[i] > 0)
        return tuple(dict.fromkeys(t for t in named if len(t) >= 2))[:top]


class ClassifierDetector(Detector):
    """The trained model's probability for each listing; scoring weighs it with the other findings."""

    name = "classifier"

    def __init__(self, model: Classifier) -> None:
        self.model = model

    @classmethod
    def build(cls, engine: Engine) -> ClassifierDetector | None:
        return cls(engine.model) if engine.model is not None else None

    def detect(self, readings: Sequence[Reading]) -> None:
        for reading, prediction in zip(readings, self.model.predict([r.content for r in readings]), strict=True):
            reading.prediction = prediction


def save_bundle(bundle: dict[str, Any], path: Path) -> None:
    """Write a model file atomically: gzip + pickle (the C unpickler loads it in a tenth of joblib's time)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with gzip.open(tmp, "wb", compresslevel=6) as handle:
        pickle.dump(bundle, handle, protocol=5)
    tmp.replace(path)


def sklearn_version() -> str | None:
    """The installed scikit-learn's version, read without importing it (an import costs 1.5 s)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("scikit-learn")
    except PackageNotFoundError:
        return None


def default_model() -> Path | None:
    """The shipped model when there is one (else None: the rules work alone)."""
    return DEFAULT_MODEL if DEFAULT_MODEL.exists() else None
