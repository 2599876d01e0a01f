"""All lexicon and inline terms of a catalogue in one Aho-Corasick automaton, scanned once per text."""

from __future__ import annotations

from collections import defaultdict

import ahocorasick

from detectors.catalogue import Catalogue, Expr
from detectors.normalize import normalize_term

Hits = dict[str, list[tuple[int, int]]]


def term_key(expr: Expr) -> str:
    """The key under which a lexicon or inline-terms matcher finds its hits."""
    if expr.lexicon is not None:
        return expr.lexicon
    return "terms:" + "|".join(expr.terms or ())


class TermIndex:
    """Maps every term to the matcher keys that contain it; ``scan`` returns hits per key."""

    def __init__(self, catalogue: Catalogue) -> None:
        owners: dict[str, set[str]] = defaultdict(set)
        for name, terms in catalogue.lexicons.items():
            for term in terms:
                owners[term].add(name)
        for rule in catalogue.rules:
            for expr in [*rule.match.walk(), *(e for u in rule.unless for e in u.walk())]:
                for term in expr.terms or ():
                    owners[normalize_term(term)].add(term_key(expr))
        self._automaton = ahocorasick.Automaton()
        for term, keys in owners.items():
            self._automaton.add_word(term, (len(term), tuple(sorted(keys))))
        self._automaton.make_automaton()

    def scan(self, text: str) -> Hits:
        """Every (overlapping) occurrence of every term, grouped by matcher key."""
        hits: Hits = defaultdict(list)
        for end, (length, keys) in self._automaton.iter(text):
            for key in keys:
                hits[key].append((end + 1 - length, end + 1))
        return hits
