"""The analysis engine: built once from explicit arguments, it folds each document once and runs every detector.

In the manner of Presidio's AnalyzerEngine and its RecognizerRegistry: the detectors are small
classes with one interface (detectors/detector.py), registered in ``DETECTORS`` below; each
adds findings or facts to a document's Reading; ``Scoring`` then turns all of it into one
score. The crawl pipeline, ``check``, ``scan``, ``rescan``, ``evaluate`` and the store all go
through ``Engine.analyze``/``analyze_many``, so the same text gets the same answer everywhere,
and every Analysis carries the stamp of what produced it. docs/engine.md tells how to add a detector.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from itertools import islice
from pathlib import Path
from typing import ClassVar, TypeVar

from detectors.case_reading import CaseDetector
from detectors.catalogue import RULES_DIR, load_catalogue
from detectors.claims import ClaimsDetector
from detectors.classifier import Classifier, ClassifierDetector, default_model
from detectors.collector import collector_paused
from detectors.contacts import PartiesDetector
from detectors.deobfuscate import Deobfuscator
from detectors.detector import Detector, Reading
from detectors.errors import ConfigError
from detectors.folding import Folder
from detectors.image_part import traced
from detectors.models import Analysis, Document, Stamp
from detectors.registry import REGISTRY, RegistryDetector, registry_hash
from detectors.rule_detector import RuleDetector
from detectors.scoring import DEFAULT_CATEGORY_THRESHOLD, DEFAULT_THRESHOLD, Scoring
from detectors.signature import SignatureDetector

# The registration point: every detector the engine runs, in the order it runs them. A detector
# may read what the ones before it wrote (the registry asks for the verdict of rules + classifier).
DETECTORS: tuple[type[Detector], ...] = (
    ClaimsDetector,
    RuleDetector,
    ClassifierDetector,
    PartiesDetector,
    CaseDetector,
    RegistryDetector,
    SignatureDetector,
)
BATCH = 256  # documents folded and classified together by analyze_many
T = TypeVar("T")


@dataclass(frozen=True)
class EngineConfig:
    """Everything that decides a verdict, given explicitly (the CLI builds it from its options and environment)."""

    rules_dir: Path = RULES_DIR
    model: Path | None = field(default_factory=default_model)  # None: rules only
    threshold: float | None = None  # None: the model card's tuned threshold (0.5 without a model)
    registry: Path = REGISTRY
    detectors: tuple[str, ...] = ()  # the registered detectors to run; empty: all of them
    category_threshold: float = DEFAULT_CATEGORY_THRESHOLD

    def runs(self, name: str) -> bool:
        return not self.detectors or name in self.detectors


def rules_hash(rules_dir: Path) -> str:
    """The identity of a rule catalogue: every file the engine reads from it (rules, lexicons, obfuscation lists)."""
    digest = hashlib.sha256()
    files = [*rules_dir.glob("*.yaml"), *rules_dir.glob("lexicons/*.txt"), *rules_dir.glob("obfuscation/*.txt")]
    for path in sorted(files):
        digest.update(path.relative_to(rules_dir).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def tutorwatch_version() -> str:
    try:
        return version("tutorwatch")
    except PackageNotFoundError:
        return "unknown"


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last one shorter)."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


class Engine:
    """Rules, model, registry and scoring loaded once; ``analyze`` and ``analyze_many`` use them for every document."""

    _shared: ClassVar[dict[EngineConfig, Engine]] = {}

    def __init__(self, config: EngineConfig | None = None) -> None:
        self.config = config = config or EngineConfig()
        unknown = set(config.detectors) - {d.name for d in DETECTORS}
        if unknown:
            raise ConfigError(f"unknown detector {sorted(unknown)[0]!r}; one of {', '.join(d.name for d in DETECTORS)}")
        self.catalogue = load_catalogue(config.rules_dir)
        terms = {term for lexicon in self.catalogue.lexicons.values() for term in lexicon}
        self.folder = Folder(Deobfuscator(config.rules_dir / "obfuscation", terms, self.catalogue.lexicons.values()))
        self.model = Classifier.load(config.model) if config.model is not None and config.runs("classifier") else None
        self.scoring = self._scoring()
        wanted = {kind.name for kind in DETECTORS if config.runs(kind.name)}
        wanted |= {need for kind in DETECTORS if kind.name in wanted for need in kind.requires}
        self.detectors: list[Detector] = [
            built for kind in DETECTORS if kind.name in wanted and (built := kind.build(self)) is not None
        ]
        self.stamp = Stamp(
            rules=rules_hash(config.rules_dir),
            registry=registry_hash(config.registry) if config.runs("registry") else "none",
            model=self.model.id if self.model is not None else "none",
            threshold=self.scoring.threshold,
            version=tutorwatch_version(),
        )
        self.analyze(Document("家教", "初中数学一对一辅导", "tutoring"))  # what is built on first use is built now
        # The tables just built (lexicons, automata, jieba's dictionary, the model) live as long as the engine:
        # out of the cyclic collector's reach, its full collections no longer walk them on every batch (≈ 10 %).
        gc.freeze()

    @classmethod
    def shared(cls, config: EngineConfig | None = None) -> Engine:
        """The engine for a config, built once per process (the crawl's pipeline reuses the CLI's)."""
        config = config or EngineConfig()
        if config not in cls._shared:
            cls._shared[config] = cls(config)
        return cls._shared[config]

    def _scoring(self) -> Scoring:
        """The model card's tuned weight, threshold and rule margin; the model's probability as is without rules."""
        config = self.config
        margin = None
        if self.model is None:
            weight, threshold = 1.0, DEFAULT_THRESHOLD
        elif not config.runs("rules"):
            weight, threshold = 0.0, DEFAULT_THRESHOLD
        else:
            weight, threshold = self.model.tuning["rule_weight"], self.model.tuning["threshold"]
            margin = self.model.tuning.get("rule_margin")  # absent from models trained before it existed
        if config.threshold is not None:
            threshold = config.threshold
        return Scoring(weight, threshold, config.category_threshold, margin)

    def read_many(self, docs: Sequence[Document]) -> list[Reading]:
        """Each document folded (in one pass for the batch) and run through every detector."""
        folded, edges = self.folder.fold_parts([doc.text for doc in docs], [Reading.part_edges(doc) for doc in docs])
        readings = [Reading(doc, norm, edges=ends) for doc, norm, ends in zip(docs, folded, edges, strict=True)]
        for detector in self.detectors:
            detector.detect(readings)
        return readings

    def conclude(self, reading: Reading) -> Analysis:
        verdict = self.scoring.judge(reading)
        prediction = reading.prediction
        findings = (*reading.findings, *verdict.model_findings)
        if reading.doc.images:  # a finding read from a picture names the picture and where in it
            findings = tuple(traced(reading.doc, finding) for finding in findings)
        return Analysis(
            score=verdict.score,
            flagged=verdict.flagged,
            findings=findings,
            model_score=round(prediction.violation, 4) if prediction is not None else None,
            case_score=reading.case,
            contacts=tuple(reading.contacts),
            institutions=tuple(i.name for i in reading.institutions),
            registry=reading.registry,
            signature=reading.signature,
            stamp=self.stamp,
        )

    def analyze(self, doc: Document) -> Analysis:
        return self.analyze_many([doc])[0]

    def analyze_many(self, docs: Iterable[Document], batch: int = BATCH) -> list[Analysis]:
        """Analyses in the documents' order; folding and the classifier work on ``batch`` documents at a time."""
        analyses = []
        for chunk in batches(docs, batch):
            with collector_paused():
                analyses.extend(self.conclude(reading) for reading in self.read_many(chunk))
        return analyses

    def fold(self, text: str) -> str:
        """The folded, de-obfuscated form of a text, as every detector reads it."""
        return self.folder.fold(text).text


def default_engine() -> Engine:
    """The engine with the shipped rules, model and registry (library callers and tests; the CLI builds its own)."""
    return Engine.shared()
