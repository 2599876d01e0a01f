"""analyze(): the single entry point the crawl, ``check`` and ``scan`` all share."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from detectors.catalogue import RULES_DIR, load_catalogue
from detectors.deobfuscate import Deobfuscator
from detectors.models import Analysis, Document
from detectors.rule_detector import RuleDetector
from detectors.scoring import combine, threshold


@lru_cache(maxsize=4)
def rule_detector(rules_dir: Path = RULES_DIR) -> RuleDetector:
    """The detector for a rules directory, built once per process."""
    catalogue = load_catalogue(rules_dir)
    terms = {term for lexicon in catalogue.lexicons.values() for term in lexicon}
    return RuleDetector(catalogue, Deobfuscator(rules_dir / "obfuscation", terms))


def analyze_document(doc: Document, rules_dir: Path = RULES_DIR) -> Analysis:
    full = doc.full_text
    findings = rule_detector(rules_dir).detect(full, doc.platform)
    score = combine(findings)
    return Analysis(score=score, flagged=bool(findings) and score >= threshold(), findings=tuple(findings))


def analyze(title: str, text: str, platform: str | None = None, rules_dir: Path = RULES_DIR) -> Analysis:
    """Analyse a listing; spans index ``title + "\\n" + text``."""
    return analyze_document(Document(title, text, platform), rules_dir)
