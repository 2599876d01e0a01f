"""The rule vocabulary, compiled once into a small node tree and evaluated per document.

Evaluating a matcher gives its evidence spans or None: ``None`` means "did not match"; an empty
list means "matched without pointing at text" (only ``not`` does that). Spans are [start, end)
in the folded text. Each node also knows which term keys it cannot match without (its
trigger), so a rule whose trigger terms are absent from a document is skipped without being
evaluated, and a shared matcher is one node evaluated at most once per document.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from detectors.catalogue import ClaimTest, Expr
from detectors.claims import Claims
from detectors.lexicon import Hits, term_key

Spans = list[tuple[int, int]]
TERMS, REGEX, ANY, ALL, NEAR, NOT, CLAIM = range(7)
UNSET: object = object()


@dataclass(eq=False)
class Node:
    slot: int  # index of this node's result in the per-document memo
    op: int
    key: str = ""
    pattern: re.Pattern[str] | None = None
    children: tuple[Node, ...] = ()
    within: int = 0
    trigger: frozenset[str] | None = field(default=None)  # None: cannot be pre-filtered
    claim: ClaimTest | None = None


class Compiler:
    """Turns Expr trees into Nodes; the same Expr object (a shared matcher) becomes the same Node."""

    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self._done: dict[int, Node] = {}

    def compile(self, expr: Expr) -> Node:
        if id(expr) in self._done:
            return self._done[id(expr)]
        kind = expr.kind
        slot = -1  # set below, once the children have taken theirs
        if kind in ("lexicon", "terms"):
            node = Node(slot, TERMS, key=term_key(expr))
            node.trigger = frozenset([node.key])
        elif kind == "regex":
            node = Node(slot, REGEX, pattern=re.compile(expr.regex or ""))
        elif kind == "claim":
            node = Node(slot, CLAIM, claim=expr.claim)  # parsed lazily, only when the rest of the rule allows
        elif kind == "not_":
            node = Node(slot, NOT, children=(self.compile(expr.not_),))  # type: ignore[arg-type]
        else:
            op = {"any": ANY, "all": ALL, "near": NEAR}[kind]
            children = tuple(self.compile(child) for child in (expr.any or expr.all or expr.near or ()))
            node = Node(slot, op, children=children, within=expr.within or 0)
            triggers = [child.trigger for child in children]
            if op == ANY:
                node.trigger = None if None in triggers else frozenset().union(*triggers)  # type: ignore[arg-type]
            else:
                known = [t for t in triggers if t is not None]
                node.trigger = min(known, key=len) if known else None
        node.slot = len(self.nodes)
        self.nodes.append(node)
        self._done[id(expr)] = node
        return node


def _gap(a: tuple[int, int], b: tuple[int, int]) -> int:
    """Characters between two spans (0 when they touch or overlap)."""
    return max(a[0], b[0]) - min(a[1], b[1]) if a[1] <= b[0] or b[1] <= a[0] else 0


def _near(children: list[Spans], within: int) -> Spans | None:
    """Spans of the first matcher that have a span of every other matcher within ``within`` chars."""
    others = []
    for spans in children[1:]:
        ordered = sorted(spans)
        longest = max(end - start for start, end in ordered)
        others.append(([start for start, _ in ordered], ordered, longest))
    found: set[tuple[int, int]] = set()
    for anchor in children[0]:
        partners = []
        for starts, ordered, longest in others:
            lo = bisect_left(starts, anchor[0] - within - longest)
            hi = bisect_right(starts, anchor[1] + within)
            close = [span for span in ordered[lo:hi] if _gap(anchor, span) <= within]
            if not close:
                break
            partners.append(min(close, key=lambda span: _gap(anchor, span)))
        else:
            found.add(anchor)
            found.update(partners)
    return sorted(found) or None


def evaluate(node: Node, text: str, hits: Hits, memo: list, claims: Claims | None = None) -> Spans | None:
    """Evaluate one node over folded ``text`` with the term hits already found in it (and its claims, if read)."""
    known = memo[node.slot]
    if known is not UNSET:
        return known  # type: ignore[no-any-return]
    result = _evaluate(node, text, hits, memo, claims)
    memo[node.slot] = result
    return result


def _evaluate(node: Node, text: str, hits: Hits, memo: list, claims: Claims | None) -> Spans | None:
    op = node.op
    if op == TERMS:
        return hits.get(node.key)
    if op == REGEX:
        return [m.span() for m in node.pattern.finditer(text) if m.end() > m.start()] or None  # type: ignore[union-attr]
    if op == CLAIM:  # parsed on first use, only when the rest of the rule let evaluation get here
        test = node.claim
        found = claims.of(test.kind) if claims is not None else ()  # type: ignore[union-attr]
        return [(c.start, c.end) for c in found if test.passes(c.value)] or None  # type: ignore[union-attr]
    if op == NOT:
        return [] if evaluate(node.children[0], text, hits, memo, claims) is None else None
    if op == ANY:
        matched = [spans for child in node.children if (spans := evaluate(child, text, hits, memo, claims)) is not None]
        return [span for spans in matched for span in spans] if matched else None
    if any(child.op == TERMS and child.key not in hits for child in node.children):
        return None  # a required term is absent: no need to run the costlier children
    results = []
    for child in node.children:
        spans = evaluate(child, text, hits, memo, claims)
        if spans is None:
            return None
        results.append(spans)
    if op == ALL:
        return [span for spans in results for span in spans]
    return _near(results, node.within)
