"""All lexicon and inline terms of a catalogue in one Aho-Corasick automaton, scanned once per text.

ahocorasick-rs, not pyahocorasick: about 3× faster on the same terms (bench/rule_pass.py).
"""

from __future__ import annotations

from collections import defaultdict

import ahocorasick_rs

from detectors.catalogue import Catalogue, Expr
from detectors.normalize import normalize_term

Spans = list[tuple[int, int]]


class Hits:
    """One text's term scan: the matcher keys that occurred (``present``) and, asked for, each key's spans.

    A term belongs to several keys (a digit to a dozen regexes' literals); spelling out every key's
    spans cost more than the scan itself, and most keys are never asked for (their rules are not
    woken), so spans are grouped per term and joined per key on first request, term by term (no reader
    depends on their order: evidence is sorted, ``near`` and start-anchored regexes sort what they read).
    """

    __slots__ = ("_by_term", "_keys", "_spans", "present")

    def __init__(self, matches: list[tuple[int, int, int]], keys: list[frozenset[str]]) -> None:
        by_term: dict[int, Spans] = {}
        for index, start, end in matches:
            if index in by_term:
                by_term[index].append((start, end))
            else:
                by_term[index] = [(start, end)]
        self.present: set[str] = set().union(*map(keys.__getitem__, by_term))
        self._by_term = by_term
        self._keys = keys
        self._spans: dict[str, Spans] = {}

    def spans(self, key: str) -> Spans | None:
        """Every (overlapping) occurrence of the key's terms; None when there is none."""
        if key not in self.present:
            return None
        found = self._spans.get(key)
        if found is None:
            keys = self._keys
            by_term = self._by_term
            terms = [index for index in by_term if key in keys[index]]
            found = by_term[terms[0]] if len(terms) == 1 else [span for index in terms for span in by_term[index]]
            self._spans[key] = found
        return found


def term_key(expr: Expr) -> str:
    """The key under which a lexicon or inline-terms matcher finds its hits."""
    if expr.lexicon is not None:
        return expr.lexicon
    return "terms:" + "|".join(expr.terms or ())


class TermIndex:
    """Maps every term to the matcher keys that contain it; ``scan`` returns hits per key.

    ``literals`` adds, per regex key, the literals one of which the regex cannot match without
    (taken as they are: a regex reads folded text as written).
    """

    def __init__(self, catalogue: Catalogue, literals: dict[str, frozenset[str]] | None = None) -> None:
        owners: dict[str, set[str]] = defaultdict(set)
        for key, needed in (literals or {}).items():
            for literal in needed:
                owners[literal].add(key)
        for name, terms in catalogue.lexicons.items():
            for term in terms:
                owners[term].add(name)
        for rule in catalogue.rules:
            for expr in [*rule.match.walk(), *(e for u in rule.unless for e in u.walk())]:
                for term in expr.terms or ():
                    owners[normalize_term(term)].add(term_key(expr))
        owners.pop("", None)
        self._terms = list(owners)
        self._keys = [frozenset(owners[term]) for term in self._terms]
        self._automaton = ahocorasick_rs.AhoCorasick(self._terms)

    def matches_all(self, texts: list[str]) -> list[list[tuple[int, int, int]]]:
        """The automaton's raw matches of each text, nothing grouped (bench/rule_pass.py's native floor)."""
        find = self._automaton.find_matches_as_indexes
        return [find(text, overlapping=True) for text in texts]

    def scan(self, text: str) -> Hits:
        """Every (overlapping) occurrence of every term, by matcher key."""
        return Hits(self._automaton.find_matches_as_indexes(text, overlapping=True), self._keys)
