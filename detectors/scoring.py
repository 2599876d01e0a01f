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


def category_threshold() -> float:
    """Per-category probability at which the classifier names a category (env TUTORWATCH_CATEGORY_THRESHOLD)."""
    return float(os.environ.get("TUTORWATCH_CATEGORY_THRESHOLD", DEFAULT_CATEGORY_THRESHOLD))


def rule_score(findings: Iterable[Finding]) -> float:
    """Noisy-OR over the rule findings' confidences: independent evidence adds up, never past 1."""
    miss = math.prod(1.0 - CONFIDENCE_WEIGHT[f.confidence] for f in findings if f.confidence in CONFIDENCE_WEIGHT)
    return round(1.0 - miss, 4)


def combine(rules: float, model_score: float | None, rule_weight: float) -> float:
    """Rules alone, or a weighted mean of the rule score and the classifier's probability.

    A weighted mean lets each detector outvote a weak call of the other: a low-confidence rule
    hit on a listing the model finds innocent stays below the threshold, and so does a model
    guess that no rule supports, unless the model is sure. The weight and the threshold are
    tuned on the dev split when the model is trained and travel in its card.
    """
    if model_score is None:
        return rules
    return round(rule_weight * rules + (1 - rule_weight) * model_score, 4)


def _term_span(term: str, norm: Normalized, original: str) -> Span:
    """Where a feature the classifier weighed stands in the original text (the first line with text when nowhere)."""
    at = norm.text.find(term.strip())
    if at < 0 or not term.strip():
        start = 0
        for line in original.split("\n"):  # an empty title must not make an empty span
            if line.strip():
                return Span(start, start + len(line), line)
            start += len(line) + 1
        return Span(0, len(original), original)
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


def decide(
    findings: list[Finding], prediction: Prediction | None, norm: Normalized, original: str, tuning: dict | None = None
) -> Analysis:
    """Rule findings and the classifier's prediction → one Analysis; the only place they meet.

    ``tuning`` ({"rule_weight", "threshold"}) comes from the model's card; TUTORWATCH_THRESHOLD
    overrides the threshold.
    """
    model_score = round(prediction.violation, 4) if prediction is not None else None
    tuning = tuning or {}
    score = combine(rule_score(findings), model_score, tuning.get("rule_weight", 1.0))
    limit = float(os.environ.get("TUTORWATCH_THRESHOLD", tuning.get("threshold", DEFAULT_THRESHOLD)))
    flagged = score >= limit and (bool(findings) or model_score is not None)
    if flagged and prediction is not None:
        findings = findings + model_findings(prediction, findings, norm, original)
    return Analysis(score=score, flagged=flagged, findings=tuple(findings), model_score=model_score, folded=norm.text)
