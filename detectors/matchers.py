"""The rule vocabulary as pure functions: each matcher returns its evidence spans or None.

``None`` means "did not match"; an empty list means "matched without pointing at text"
(only ``not`` does that). Spans are [start, end) in the normalised text.
"""

from __future__ import annotations

import re
from functools import cache

from detectors.catalogue import Expr
from detectors.lexicon import Hits, term_key

Spans = list[tuple[int, int]]


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _gap(a: tuple[int, int], b: tuple[int, int]) -> int:
    """Characters between two spans (0 when they touch or overlap)."""
    return max(a[0], b[0]) - min(a[1], b[1]) if a[1] <= b[0] or b[1] <= a[0] else 0


def _near(children: list[Spans], within: int) -> Spans | None:
    """Spans of the first matcher that have a span of every other matcher within ``within`` chars."""
    found: set[tuple[int, int]] = set()
    for anchor in children[0]:
        partners = []
        for other in children[1:]:
            close = [span for span in other if _gap(anchor, span) <= within]
            if not close:
                break
            partners.append(min(close, key=lambda span: _gap(anchor, span)))
        else:
            found.add(anchor)
            found.update(partners)
    return sorted(found) or None


def evaluate(expr: Expr, text: str, hits: Hits, memo: dict[int, Spans | None] | None = None) -> Spans | None:
    """Evaluate one matcher over normalised ``text`` with the term hits already found in it.

    ``memo`` (one per text) keeps results by matcher identity, so a shared matcher used by many
    rules is evaluated once per document.
    """
    if memo is None:
        memo = {}
    key = id(expr)
    if key not in memo:
        memo[key] = _evaluate(expr, text, hits, memo)
    return memo[key]


def _evaluate(expr: Expr, text: str, hits: Hits, memo: dict[int, Spans | None]) -> Spans | None:
    kind = expr.kind
    if kind in ("lexicon", "terms"):
        return hits.get(term_key(expr)) or None
    if kind == "regex":
        return [m.span() for m in _compiled(expr.regex or "").finditer(text) if m.end() > m.start()] or None
    if kind == "not_":
        return [] if evaluate(expr.not_, text, hits, memo) is None else None  # type: ignore[arg-type]
    results = [evaluate(child, text, hits, memo) for child in (expr.all or expr.any or expr.near or ())]
    if kind == "any":
        matched = [spans for spans in results if spans is not None]
        return [span for spans in matched for span in spans] if matched else None
    if any(spans is None for spans in results):
        return None
    if kind == "all":
        return [span for spans in results for span in spans]  # type: ignore[union-attr]
    return _near(results, expr.within or 0)  # type: ignore[arg-type]
