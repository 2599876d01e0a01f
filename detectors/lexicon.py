"""All lexicon and inline terms of a catalogue in one Aho-Corasick automaton, scanned once per text.

ahocorasick-rs, not pyahocorasick: about 3× faster on the same terms (bench/rule_pass.py).
"""

from __future__ import annotations

from collections import defaultdict

import ahocorasick_rs

from detectors.catalogue import Catalogue, Expr
from detectors.normalize import normalize_term

Hits = dict[str, list[tuple[int, int]]]


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
        self._keys = [tuple(sorted(owners[term])) for term in self._terms]
        self._automaton = ahocorasick_rs.AhoCorasick(self._terms)

    def scan(self, text: str) -> Hits:
        """Every (overlapping) occurrence of every term, grouped by matcher key."""
        hits: Hits = defaultdict(list)
        keys = self._keys
        for index, start, end in self._automaton.find_matches_as_indexes(text, overlapping=True):
            for key in keys[index]:
                hits[key].append((start, end))
        return dict(hits)
