"""analyze(): the single entry point the crawl, ``check`` and ``scan`` all share."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from detectors.catalogue import RULES_DIR, load_catalogue
from detectors.classifier import load_default
from detectors.deobfuscate import Deobfuscator
from detectors.models import Analysis, Document
from detectors.rule_detector import RuleDetector
from detectors.scoring import decide

CLASSIFIER_ALONE = {"rule_weight": 0.0, "threshold": 0.5}  # for ablations: the model's probability, as is


@lru_cache(maxsize=4)
def rule_detector(rules_dir: Path = RULES_DIR) -> RuleDetector:
    """The detector for a rules directory, built once per process."""
    catalogue = load_catalogue(rules_dir)
    terms = {term for lexicon in catalogue.lexicons.values() for term in lexicon}
    return RuleDetector(catalogue, Deobfuscator(rules_dir / "obfuscation", terms))


def load_detectors() -> None:
    """Build the rules, load the model and jieba's dictionary now, before anything is fetched.

    A broken rule file or model stops the run here. And loaded lazily inside a crawl, those
    seconds would stall the reactor with downloads in flight and trip their timeouts.
    """
    rule_detector()
    load_default()
    analyze("家教", "初中数学一对一辅导", "tutoring")


def analyze_document(
    doc: Document,
    rules_dir: Path = RULES_DIR,
    use_rules: bool = True,
    use_model: bool = True,
    model_path: str | None = None,
) -> Analysis:
    """Rules and (when a model is installed) the classifier on one document; the flags serve ablations."""
    full = doc.full_text
    detector = rule_detector(rules_dir)
    norm = detector.prepare(full)
    findings = detector.detect(full, doc.platform, norm) if use_rules else []
    model = load_default(model_path) if use_model else None
    prediction = model.predict([norm.text])[0] if model is not None else None
    tuning = (model.tuning if use_rules else CLASSIFIER_ALONE) if model is not None else None
    return decide(findings, prediction, norm, full, tuning)


def analyze(title: str, text: str, platform: str | None = None, rules_dir: Path = RULES_DIR) -> Analysis:
    """Analyse a listing; spans index ``title + "\\n" + text``."""
    return analyze_document(Document(title, text, platform), rules_dir)
