"""Runs the rule catalogue over a normalised document and explains every finding."""

from __future__ import annotations

from detectors.catalogue import Catalogue, Rule
from detectors.lexicon import TermIndex
from detectors.matchers import evaluate
from detectors.models import Finding, Span
from detectors.normalize import Normalized

MAX_COVER = 40  # a finding's spans closer than this are shown as one stretch of text


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(set(spans)):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


class RuleDetector:
    """Catalogue + matchers → Findings, each pointing at original text with its policy clauses."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.index = TermIndex(catalogue)

    @staticmethod
    def _fires(rule: Rule, norm: Normalized, hits: dict, platform: str | None, memo: dict) -> list | None:
        if rule.platforms is not None and platform is not None and platform not in rule.platforms:
            return None
        if any(evaluate(veto, norm.text, hits, memo) is not None for veto in rule.unless):
            return None
        return evaluate(rule.match, norm.text, hits, memo)

    def detect(self, norm: Normalized, original: str, platform: str | None = None) -> list[Finding]:
        hits = self.index.scan(norm.text)
        memo: dict = {}
        findings = []
        for rule in self.catalogue.rules:
            spans = self._fires(rule, norm, hits, platform, memo)
            if not spans:
                continue
            originals = _merge([norm.original_range(s, e) for s, e in spans])
            evidence = tuple(Span(s, e, original[s:e]) for s, e in originals)
            cover = (evidence[0].start, evidence[-1].end)
            short = cover[1] - cover[0] <= MAX_COVER
            span = Span(cover[0], cover[1], original[cover[0] : cover[1]]) if short else evidence[0]
            quoted = " + ".join(f"「{span.text}」" for span in evidence)
            what = rule.description or rule.id
            findings.append(
                Finding(
                    category=rule.category,
                    rule=rule.id,
                    confidence=rule.confidence,
                    basis=rule.basis,
                    span=span,
                    spans=evidence,
                    explanation=f"{what}: {quoted} ({'; '.join(rule.basis)})",
                )
            )
        return findings
