"""The one place where evidence becomes a score; thresholds are settings, not constants in callers."""

from __future__ import annotations

import math
import os
from collections.abc import Iterable

from detectors.categories import BASIS
from detectors.classifier import Prediction
from detectors.models import Analysis, Finding, Span
from detectors.normalize import Normalized

CONFIDENCE_WEIGHT = {"high": 0.9, "medium": 0.7, "low": 0.35}
DEFAULT_THRESHOLD = 0.5
DEFAULT_CATEGORY_THRESHOLD = 0.5


def threshold() -> float:
    """Score at or above which a document is flagged (env TUTORWATCH_THRESHOLD)."""
    return float(os.environ.get("TUTORWATCH_THRESHOLD", DEFAULT_THRESHOLD))


def category_threshold() -> float:
    """Per-category probability at which the classifier names a category (env TUTORWATCH_CATEGORY_THRESHOLD)."""
    return float(os.environ.get("TUTORWATCH_CATEGORY_THRESHOLD", DEFAULT_CATEGORY_THRESHOLD))


def combine(findings: Iterable[Finding], model_score: float | None = None) -> float:
    """Noisy-OR over the rule findings' confidences and the classifier's probability."""
    miss = math.prod(1.0 - CONFIDENCE_WEIGHT[f.confidence] for f in findings if f.confidence in CONFIDENCE_WEIGHT)
    if model_score is not None:
        miss *= 1.0 - model_score
    return round(1.0 - miss, 4)


def _term_span(term: str, norm: Normalized, original: str) -> Span:
    """Where a feature the classifier weighed stands in the original text (the title when nowhere)."""
    at = norm.text.find(term.strip())
    if at < 0 or not term.strip():
        end = original.find("\n") if "\n" in original else len(original)
        return Span(0, end, original[:end])
    start, end = norm.original_range(at, at + len(term.strip()))
    return Span(start, end, original[start:end])


def model_findings(prediction: Prediction, findings: list[Finding], norm: Normalized, original: str) -> list[Finding]:
    """Findings for categories only the classifier names, each saying so and why."""
    covered = {f.category for f in findings}
    named = [c for c, p in prediction.categories.items() if p >= category_threshold() and c not in covered]
    if not named and not covered:
        named = [max(prediction.categories, key=prediction.categories.__getitem__)]
    alone = "flagged by the classifier alone" if not findings else "named by the classifier"
    spans = tuple(_term_span(term, norm, original) for term in prediction.terms[:3]) or (
        _term_span("", norm, original),
    )
    terms = "、".join(prediction.terms) or "-"
    return [
        Finding(
            category=category,
            rule=f"model/{category}",
            confidence="model",
            basis=BASIS[category],
            span=spans[0],
            spans=spans,
            explanation=f"{alone}: p={prediction.categories[category]:.2f}; terms that raised the score: {terms}",
        )
        for category in named
    ]


def decide(findings: list[Finding], prediction: Prediction | None, norm: Normalized, original: str) -> Analysis:
    """Rule findings and the classifier's prediction → one Analysis; the only place they meet."""
    model_score = round(prediction.violation, 4) if prediction is not None else None
    score = combine(findings, model_score)
    flagged = score >= threshold() and (bool(findings) or model_score is not None)
    if flagged and prediction is not None:
        findings = findings + model_findings(prediction, findings, norm, original)
    return Analysis(score=score, flagged=flagged, findings=tuple(findings), model_score=model_score)
