"""Runs the rule catalogue over a normalised document and explains every finding."""

from __future__ import annotations

from dataclasses import dataclass

from detectors.catalogue import Catalogue, Rule
from detectors.deobfuscate import Deobfuscator
from detectors.lexicon import Hits, TermIndex
from detectors.matchers import UNSET, Compiler, Node, evaluate
from detectors.models import Finding, Span
from detectors.normalize import Normalized, normalize

MAX_COVER = 40  # a finding's spans closer than this are shown as one stretch of text


def merge_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching [start, end) ranges joined, in order."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(set(spans)):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    match: Node
    unless: tuple[Node, ...]


class RuleDetector:
    """Catalogue + matchers → Findings, each pointing at original text with its policy clauses."""

    def __init__(self, catalogue: Catalogue, deobfuscator: Deobfuscator) -> None:
        self.catalogue = catalogue
        self.index = TermIndex(catalogue)
        self.deobfuscator = deobfuscator
        compiler = Compiler()
        self.rules = [
            CompiledRule(rule, compiler.compile(rule.match), tuple(compiler.compile(u) for u in rule.unless))
            for rule in catalogue.rules
        ]
        self.node_count = len(compiler.nodes)

    def _fires(self, rule: CompiledRule, text: str, hits: Hits, platform: str | None, memo: list) -> list | None:
        scope = rule.rule.platforms
        if scope is not None and platform is not None and platform not in scope:
            return None
        trigger = rule.match.trigger
        if trigger is not None and trigger.isdisjoint(hits):
            return None
        spans = evaluate(rule.match, text, hits, memo)
        if not spans or any(evaluate(veto, text, hits, memo) is not None for veto in rule.unless):
            return None
        return spans

    def prepare(self, original: str) -> Normalized:
        """The folded, de-obfuscated text that rules and the classifier read, with its offset map."""
        return self.deobfuscator.apply(normalize(original))

    def detect(self, original: str, platform: str | None = None, norm: Normalized | None = None) -> list[Finding]:
        """Findings in ``original`` (title + "\\n" + text); their spans are exact slices of it."""
        norm = norm if norm is not None else self.prepare(original)
        hits = self.index.scan(norm.text)
        memo = [UNSET] * self.node_count
        findings = []
        for compiled in self.rules:
            spans = self._fires(compiled, norm.text, hits, platform, memo)
            if not spans:
                continue
            findings.append(self._finding(compiled.rule, spans, norm, original))
        return findings

    @staticmethod
    def _finding(rule: Rule, spans: list[tuple[int, int]], norm: Normalized, original: str) -> Finding:
        originals = merge_spans([norm.original_range(s, e) for s, e in spans])
        evidence = tuple(Span(s, e, original[s:e]) for s, e in originals)
        cover = (evidence[0].start, evidence[-1].end)
        short = cover[1] - cover[0] <= MAX_COVER
        span = Span(cover[0], cover[1], original[cover[0] : cover[1]]) if short else evidence[0]
        quoted = " + ".join(f"「{piece.text}」" for piece in evidence)
        return Finding(
            category=rule.category,
            rule=rule.id,
            confidence=rule.confidence,
            basis=rule.basis,
            span=span,
            spans=evidence,
            explanation=f"{rule.description or rule.id}: {quoted} ({'; '.join(rule.basis)})",
        )
