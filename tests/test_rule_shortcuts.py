"""The rule pass's shortcuts change no verdict: each rule, evaluated the plain way, fires exactly where they fire.

The shortcuts (detectors/rule_detector.py, matchers.py, lexicon.py): rules woken only by their
terms, a node skipped when the scan shows a term it needs is absent, regexes tried only where a
literal they start with occurs, spans of a term key joined only when asked for. The reference
here has none of them: every rule on every labelled listing, every regex searched along the
whole text, each key's spans spelled out from the scan.
"""

from __future__ import annotations

import re

import pytest

from detectors import default_engine
from detectors.catalogue import Expr
from detectors.claims import Claims
from detectors.evaluation import labelled_files, load_labelled
from detectors.lexicon import term_key
from detectors.rule_detector import RuleDetector

Spans = list[tuple[int, int]]


def plain(expr: Expr, text: str, spans_of: dict[str, Spans], claims: Claims) -> Spans | None:
    """A matcher evaluated by its definition alone (docs/rules.md), with nothing skipped."""
    kind = expr.kind
    if kind in ("lexicon", "terms"):
        return spans_of.get(term_key(expr))
    if kind == "regex":
        return [m.span() for m in re.finditer(expr.regex, text) if m.end() > m.start()] or None
    if kind == "claim":
        test = expr.claim
        return [(c.start, c.end) for c in claims.of(test.kind) if test.passes(c.value)] or None
    if kind == "not_":
        return [] if plain(expr.not_, text, spans_of, claims) is None else None
    results = [plain(child, text, spans_of, claims) for child in (expr.any or expr.all or expr.near or ())]
    if kind == "any":
        matched = [r for r in results if r is not None]
        return [span for r in matched for span in r] if matched else None
    if any(r is None for r in results):
        return None
    if kind == "all":
        return [span for r in results for span in r]  # type: ignore[union-attr]
    within = expr.within or 0
    found = set()
    for anchor in results[0]:  # type: ignore[union-attr]
        partners = []
        for other in results[1:]:
            gaps = [
                (max(anchor[0], s[0]) - min(anchor[1], s[1]) if anchor[1] <= s[0] or s[1] <= anchor[0] else 0, s)
                for s in sorted(other)
            ]  # type: ignore[arg-type]
            close = [(gap, s) for gap, s in gaps if gap <= within]
            if not close:
                break
            partners.append(min(close, key=lambda pair: pair[0])[1])
        else:
            found.add(anchor)
            found.update(partners)
    return sorted(found) or None


@pytest.fixture(scope="module")
def detector() -> RuleDetector:
    return next(d for d in default_engine().detectors if isinstance(d, RuleDetector))


def test_every_rule_fires_where_its_plain_evaluation_does(detector: RuleDetector) -> None:
    engine = default_engine()
    index = detector.index
    fired = 0
    for item in load_labelled(labelled_files()):
        text = engine.fold(f"{item.title}\n{item.text}")
        spans_of: dict[str, Spans] = {}
        for number, start, end in index._automaton.find_matches_as_indexes(text, overlapping=True):
            for key in index._keys[number]:
                spans_of.setdefault(key, []).append((start, end))
        claims = Claims(text)
        expected = []
        for rule in detector.catalogue.rules:
            if rule.platforms is not None and item.platform is not None and item.platform not in rule.platforms:
                continue
            spans = plain(rule.match, text, spans_of, claims)
            if spans and all(plain(veto, text, spans_of, claims) is None for veto in rule.unless):
                expected.append((rule.id, sorted(set(spans))))
        got = [(rule.id, sorted(set(spans))) for rule, spans in detector.matches(text, item.platform, Claims(text))]
        assert got == expected, item.title
        fired += len(got)
    assert fired > 1000, "the labelled corpus exercises the rules"
