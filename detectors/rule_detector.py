"""The rules detector: the catalogue's compiled rules over a listing's folded text, every finding explained."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from detectors.catalogue import Catalogue, Rule
from detectors.claims import Claims
from detectors.detector import Detector, Reading
from detectors.lexicon import Hits, TermIndex
from detectors.matchers import UNSET, Compiler, Node
from detectors.models import Finding, Span

if TYPE_CHECKING:
    from detectors.engine import Engine

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


class RuleDetector(Detector):
    """Catalogue + matchers → Findings, each pointing at original text with its policy clauses."""

    name = "rules"
    requires = ("claims",)  # the structured claims its `claim:` matchers test

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        compiler = Compiler()
        self.rules = [
            CompiledRule(rule, compiler.compile(rule.match), tuple(compiler.compile(u) for u in rule.unless))
            for rule in catalogue.rules
        ]
        compiler.link()
        self.node_count = len(compiler.nodes)
        self.index = TermIndex(catalogue, compiler.literals)
        # Which rules a hit key can wake: each rule is filed under the keys of its narrowest clause;
        # a rule with nothing to require (none in the shipped catalogue) is woken for every document.
        self.woken_by: dict[str, list[int]] = defaultdict(list)
        self.always: list[int] = []
        self.also: list[tuple[frozenset[str], ...]] = []  # each rule's other clauses, checked once it is woken
        for number, compiled in enumerate(self.rules):
            needs = compiled.match.needs
            anchor = min(needs, key=len) if needs else frozenset()
            if not needs:
                self.always.append(number)
            for key in anchor:
                self.woken_by[key].append(number)
            self.also.append(tuple(clause for clause in needs if clause is not anchor))
        self.anchors = frozenset(self.woken_by)  # the keys that wake a rule: intersected with a text's hits in C
        # What evaluating a woken rule reads, unpacked once: its platforms, its match's and vetoes' closures.
        self.plan = [(c.rule, c.rule.platforms, c.match.run, tuple(veto.run for veto in c.unless)) for c in self.rules]

    @classmethod
    def build(cls, engine: Engine) -> RuleDetector:
        return cls(engine.catalogue)

    def detect(self, readings: Sequence[Reading]) -> None:
        for reading in readings:
            for rule, spans in self.matches(reading.content, reading.doc.platform, reading.claims):
                reading.findings.append(self._finding(rule, spans, reading))

    def candidates(self, hits: Hits) -> list[int]:
        """The rules (by number, in catalogue order) whose every required clause has a hit."""
        present = hits.present  # a set: frozenset.isdisjoint takes its fast path
        woken = set(self.always)
        woken_by = self.woken_by
        for key in self.anchors.intersection(present):
            woken.update(woken_by[key])
        also = self.also
        ready = []
        for number in sorted(woken):
            for clause in also[number]:
                if clause.isdisjoint(present):
                    break
            else:
                ready.append(number)
        return ready

    def matches(
        self, folded: str, platform: str | None = None, claims: Claims | None = None
    ) -> list[tuple[Rule, list[tuple[int, int]]]]:
        """The rules that fire on folded text, in catalogue order, with their evidence (folded ranges).

        ``claims`` (the claims detector's view of the same text) is what `claim:` matchers test;
        without it they never match.
        """
        hits = self.index.scan(folded)
        memo = [UNSET] * self.node_count
        plan = self.plan
        found = []
        for number in self.candidates(hits):
            rule, scope, match, vetoes = plan[number]
            if scope is not None and platform is not None and platform not in scope:
                continue
            spans = match(folded, hits, memo, claims)
            if not spans:
                continue
            for veto in vetoes:
                if veto(folded, hits, memo, claims) is not None:
                    break
            else:
                found.append((rule, spans))
        return found

    @staticmethod
    def _finding(rule: Rule, spans: list[tuple[int, int]], reading: Reading) -> Finding:
        starts, ends = reading.folded.starts, reading.folded.ends  # Normalized.original_range, inlined per span
        originals = merge_spans([(starts.item(s), ends.item(e - 1)) for s, e in spans])
        text = reading.doc.text
        evidence = tuple(Span(s, e, text[s:e]) for s, e in originals)
        cover = (evidence[0].start, evidence[-1].end)
        short = cover[1] - cover[0] <= MAX_COVER
        span = Span(cover[0], cover[1], text[cover[0] : cover[1]]) if short else evidence[0]
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
