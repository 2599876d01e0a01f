"""The one place where evidence becomes a score: every detector's findings and the classifier's probability.

The weights and the threshold are arguments (the model card's tuning, the CLI's --threshold),
never read from the environment.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from detectors.categories import BASIS
from detectors.detector import Reading
from detectors.models import Finding, Prediction, Span

CONFIDENCE_WEIGHT = {"high": 0.9, "medium": 0.7, "low": 0.35}
DEFAULT_THRESHOLD = 0.5
DEFAULT_CATEGORY_THRESHOLD = 0.5
# The findings the case reading may let stand (combine's ``case``): high and medium. Low findings
# (a puffery word, a bilingual nanny) never flag on the case alone, however plain the offer.
CASE_STANDS = ("high", "medium")


def rule_score(findings: Iterable[Finding]) -> float:
    """Noisy-OR over the findings' confidences: independent evidence adds up, never past 1."""
    miss = math.prod(1.0 - CONFIDENCE_WEIGHT[f.confidence] for f in findings if f.confidence in CONFIDENCE_WEIGHT)
    return round(1.0 - miss, 4)


def strong_score(findings: Iterable[Finding]) -> float:
    """The noisy-OR of the high-confidence findings alone: the evidence the rule margin protects."""
    return rule_score(f for f in findings if f.confidence == "high")


def standing_score(findings: Iterable[Finding]) -> float:
    """The noisy-OR of the findings the case reading may let stand (CASE_STANDS)."""
    return rule_score(f for f in findings if f.confidence in CASE_STANDS)


def combine(
    rules: float,
    model_score: float | None,
    rule_weight: float,
    rule_margin: float | None = None,
    strong: float | None = None,
    case: float | None = None,
    standing: float | None = None,
) -> float:
    """Findings alone, or a weighted mean of their score and the classifier's probability.

    A weighted mean lets each side outvote a weak call of the other: a low-confidence rule hit
    on a listing the model finds innocent stays below the threshold, and so does a model guess
    that no rule supports, unless the model is sure. The weight and the threshold are tuned on
    the tune split when the model is trained and travel in its card.

    ``rule_margin`` caps that veto for strong evidence: the score never falls more than the margin
    below ``strong``, the score of the high-confidence findings alone (``rules`` when not given), so
    a high-confidence finding on wording the model has not seen (the real-world listings' common
    miss: rules caught them, a model trained mostly on the team's writing voted them down) still
    flags, while medium and low findings, however many, still need the model's support. None: no cap.

    ``case`` is the case reading's second opinion (detectors/case_reading.py): how surely the
    listing offers what it is flagged for, read from its facts (pupils, subject, fee, place,
    contact) against the signs of a report. The high- and medium-confidence findings then stand
    at ``standing × case`` (``standing``: their noisy-OR, ``strong`` when not given): a finding in
    a plain offer flags whatever the classifier's register says, the same finding in a news report
    or a notice does not, and low findings still need the classifier's support. Issue 18j let
    medium findings stand too: on real text the classifier's style reading vetoed medium hits in
    plain offers (a refund bar in a contract, a parent asking a student to tutor) that the case
    reading read as offers (out of fold: real-world recall +0.8 to +2.3 points, no false positive
    more; docs/detection.md). None (not asked, or a model without it): the mean alone.
    """
    if model_score is None:
        return rules
    mean = rule_weight * rules + (1 - rule_weight) * model_score
    if rule_margin is not None:
        mean = max(mean, (rules if strong is None else strong) - rule_margin)
    if case is not None:
        base = standing if standing is not None else rules if strong is None else strong
        mean = max(mean, base * case)
    return round(mean, 4)


@dataclass(frozen=True)
class Verdict:
    score: float
    flagged: bool
    model_findings: tuple[Finding, ...]  # categories only the classifier names, once flagged


@dataclass(frozen=True)
class Scoring:
    """How findings and the classifier's probability combine, and where a listing counts as flagged."""

    rule_weight: float = 1.0
    threshold: float = DEFAULT_THRESHOLD
    category_threshold: float = DEFAULT_CATEGORY_THRESHOLD
    rule_margin: float | None = None  # how far below the high-confidence findings' score the model may pull it

    def judge(self, reading: Reading) -> Verdict:
        """The verdict on what a reading holds now (also asked by detectors that only corroborate)."""
        prediction = reading.prediction
        findings = reading.findings
        model_score = round(prediction.violation, 4) if prediction is not None else None
        score = combine(
            rule_score(findings),
            model_score,
            self.rule_weight,
            self.rule_margin,
            strong_score(findings),
            reading.case,
            standing_score(findings),
        )
        flagged = score >= self.threshold and (bool(findings) or model_score is not None)
        named = self._model_findings(prediction, reading) if flagged and prediction is not None else ()
        return Verdict(score, flagged, named)

    def _model_findings(self, prediction: Prediction, reading: Reading) -> tuple[Finding, ...]:
        """Findings for categories only the classifier names, each saying so and why."""
        findings = reading.findings
        covered = {f.category for f in findings}
        named = [c for c, p in prediction.categories.items() if p >= self.category_threshold and c not in covered]
        if not named and not covered:
            named = [max(prediction.categories, key=prediction.categories.__getitem__)]
        if not named:
            return ()
        alone = "flagged by the classifier alone" if not findings else "named by the classifier"
        spans = tuple(span for term in prediction.terms[:3] if (span := _term_span(term, reading))) or (
            _first_line(reading),
        )
        terms = "、".join(prediction.terms) or "-"
        return tuple(
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
        )


def _term_span(term: str, reading: Reading) -> Span | None:
    """Where a feature the classifier weighed (characters, a word or a word pair) stands in the original text."""
    word = term.replace(" ", "")
    at = reading.content.find(word) if word else -1
    return reading.span(at, at + len(word)) if at >= 0 else None


def _first_line(reading: Reading) -> Span:
    """The title, or the body when the title is empty: what a finding without a term to quote points at."""
    for part in ("title", "body"):
        start, end = reading.doc.ranges[part]
        if end > start:
            return Span(start, end, reading.doc.text[start:end])
    return Span(0, 0, "")
