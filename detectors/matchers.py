"""The rule vocabulary, compiled once into a small node tree and evaluated per document.

Evaluating a matcher gives its evidence spans or None: ``None`` means "did not match"; an empty
list means "matched without pointing at text" (only ``not`` does that). Spans are [start, end)
in the folded text. Each node also knows what it cannot match without (``needs``: clauses of
term keys, each clause needing one of its keys among the document's hits). A regex's key is
hit when one of the literals it requires occurs (detectors/prefilter.py), so the one term
scan tells which rules can fire at all; the others are never evaluated. A shared matcher is one
node evaluated at most once per document.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from detectors.catalogue import ClaimTest, Expr
from detectors.claims import Claims
from detectors.lexicon import Hits, term_key
from detectors.prefilter import prefixes, required

Spans = list[tuple[int, int]]
Needs = tuple[frozenset[str], ...]  # every clause must have one of its keys among a document's hits
TERMS, REGEX, ANY, ALL, NEAR, NOT, CLAIM = range(7)
UNSET: object = object()
REGEX_KEY = "re:"  # hit key of a regex's required literals: "re:" + its pattern
START_KEY = "re^:"  # hit key of the literals its matches start with


@dataclass(eq=False)
class Node:
    slot: int  # index of this node's result in the per-document memo
    op: int
    key: str = ""
    pattern: re.Pattern[str] | None = None
    children: tuple[Node, ...] = ()
    within: int = 0
    needs: Needs = field(default=())  # (): nothing known, always evaluated
    starts: str = ""  # a regex whose every match starts with one of its literals: their hit key (tried only there)
    claim: ClaimTest | None = None


class Compiler:
    """Turns Expr trees into Nodes; the same Expr object (a shared matcher) becomes the same Node."""

    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self._done: dict[int, Node] = {}
        self.literals: dict[str, frozenset[str]] = {}  # regex hit key → the literals that hit it

    def compile(self, expr: Expr) -> Node:
        if id(expr) in self._done:
            return self._done[id(expr)]
        kind = expr.kind
        slot = -1  # set below, once the children have taken theirs
        if kind in ("lexicon", "terms"):
            node = Node(slot, TERMS, key=term_key(expr))
            node.needs = (frozenset([node.key]),)
        elif kind == "regex":
            pattern = expr.regex or ""
            node = Node(slot, REGEX, key=REGEX_KEY + pattern, pattern=re.compile(pattern))
            needed, starts = required(pattern), prefixes(pattern)
            if needed is not None:  # the rarest literals it needs: whether it is worth trying at all
                self.literals[node.key] = needed
                node.needs = (frozenset([node.key]),)
            if starts is not None:  # where its matches can start: tried only there
                node.starts = node.key if starts == needed else START_KEY + pattern
                self.literals[node.starts] = starts
        elif kind == "claim":  # parsed lazily, only when the rest of the rule lets evaluation get here
            node = Node(slot, CLAIM, claim=expr.claim)
        elif kind == "not_":
            node = Node(slot, NOT, children=(self.compile(expr.not_),))  # type: ignore[arg-type]
        else:
            op = {"any": ANY, "all": ALL, "near": NEAR}[kind]
            children = tuple(self.compile(child) for child in (expr.any or expr.all or expr.near or ()))
            node = Node(slot, op, children=children, within=expr.within or 0)
            if op == ANY:  # one of the children: one clause, any key of any child's narrowest clause
                if all(child.needs for child in children):
                    node.needs = (frozenset().union(*(min(child.needs, key=len) for child in children)),)
            else:  # every child: every child's clauses
                node.needs = tuple(dict.fromkeys(clause for child in children for clause in child.needs))
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


def _matches_at(pattern: re.Pattern[str], text: str, starts: Spans) -> Spans | None:
    """What ``finditer`` finds, tried only where a match can start (where the scan found a prefix literal)."""
    found: Spans = []
    after = 0
    for start in sorted({start for start, _ in starts}):
        if start >= after and (match := pattern.match(text, start)) is not None and match.end() > start:
            found.append((start, match.end()))
            after = match.end()
    return found or None


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
        return hits.spans(node.key)
    if op == REGEX:
        if node.needs and node.key not in hits.present:
            return None  # none of the literals it cannot match without occurs
        if node.starts:
            starts = hits.spans(node.starts)
            return _matches_at(node.pattern, text, starts) if starts else None  # type: ignore[arg-type]
        return [m.span() for m in node.pattern.finditer(text) if m.end() > m.start()] or None  # type: ignore[union-attr]
    if op == CLAIM:
        test = node.claim
        found = claims.of(test.kind) if claims is not None else ()  # type: ignore[union-attr]
        return [(c.start, c.end) for c in found if test.passes(c.value)] or None  # type: ignore[union-attr]
    if op == NOT:
        return [] if evaluate(node.children[0], text, hits, memo, claims) is None else None
    if op == ANY:
        matched = [spans for child in node.children if (spans := evaluate(child, text, hits, memo, claims)) is not None]
        return [span for spans in matched for span in spans] if matched else None
    if any(child.op == TERMS and child.key not in hits.present for child in node.children):
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
