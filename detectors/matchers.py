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
from collections.abc import Callable
from dataclasses import dataclass, field

from detectors.catalogue import ClaimTest, Expr
from detectors.claims import Claims
from detectors.lexicon import Hits, term_key
from detectors.prefilter import prefixes, required

Spans = list[tuple[int, int]]
Needs = tuple[frozenset[str], ...]  # every clause must have one of its keys among a document's hits
TERMS, REGEX, ANY, ALL, NEAR, NOT, CLAIM = range(7)
UNSET: object = object()
Run = Callable[[str, "Hits", list, "Claims | None"], "Spans | None"]
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
    shared: bool = False  # reached from more than one place: its result is remembered per document
    run: Run | None = None  # its evaluation (``Compiler.link``); ``evaluate`` calls it


class Compiler:
    """Turns Expr trees into Nodes; the same Expr object (a shared matcher) becomes the same Node."""

    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self._done: dict[int, Node] = {}
        self.literals: dict[str, frozenset[str]] = {}  # regex hit key → the literals that hit it

    def compile(self, expr: Expr) -> Node:
        if id(expr) in self._done:
            node = self._done[id(expr)]
            node.shared = True
            return node
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

    def link(self) -> None:
        """Give every node its closure, children first; call once every rule is compiled (sharing is known then)."""
        for node in self.nodes:  # children come before their parents
            node.run = _runner(node)


def _near(children: list[Spans], within: int) -> Spans | None:
    """Spans of the first matcher that have a span of every other matcher within ``within`` chars.

    The partner taken for an anchor is the closest of each other matcher's spans (the first in
    order among equals); the gap between two spans is the characters between them, 0 when they
    touch or overlap.
    """
    others = []
    for spans in children[1:]:
        ordered = sorted(spans)
        longest = max(end - start for start, end in ordered)
        others.append(([start for start, _ in ordered], ordered, longest))
    found: set[tuple[int, int]] = set()
    for anchor in children[0]:
        first, last = anchor
        partners = []
        for starts, ordered, longest in others:
            best, least = None, within + 1
            for span in ordered[bisect_left(starts, first - within - longest) : bisect_right(starts, last + within)]:
                start, end = span
                gap = start - last if last <= start else first - end if end <= first else 0
                if gap < least:
                    best, least = span, gap
            if best is None:
                break
            partners.append(best)
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
    return node.run(text, hits, memo, claims)  # type: ignore[misc]


def _runner(node: Node) -> Run:
    """The node's evaluation as one closure over its children's: no dispatch on the kind of node per document."""
    op = node.op
    if op == TERMS:
        key = node.key

        def run(text: str, hits: Hits, memo: list, claims: Claims | None) -> Spans | None:
            return hits.spans(key)

    elif op == REGEX:
        run = _regex_runner(node)
    elif op == CLAIM:
        test = node.claim

        def run(text: str, hits: Hits, memo: list, claims: Claims | None) -> Spans | None:
            found = claims.of(test.kind) if claims is not None else ()  # type: ignore[union-attr]
            return [(c.start, c.end) for c in found if test.passes(c.value)] or None  # type: ignore[union-attr]

    elif op == NOT:
        child = node.children[0].run

        def run(text: str, hits: Hits, memo: list, claims: Claims | None) -> Spans | None:
            return [] if child(text, hits, memo, claims) is None else None

    elif op == ANY:
        children = tuple(child.run for child in node.children)
        needs = node.needs

        def run(text: str, hits: Hits, memo: list, claims: Claims | None) -> Spans | None:
            for clause in needs:  # the scan already tells that it cannot match: skip the children
                if clause.isdisjoint(hits.present):
                    return None
            found: Spans | None = None
            for child in children:
                spans = child(text, hits, memo, claims)
                if spans is not None:
                    found = [*spans] if found is None else found + spans
            return found

    else:  # ALL, NEAR
        children = tuple(child.run for child in node.children)
        needs = node.needs  # every TERMS child's key among them
        near, within = op == NEAR, node.within

        def run(text: str, hits: Hits, memo: list, claims: Claims | None) -> Spans | None:
            for clause in needs:  # a required term is absent: no need to run the costlier children
                if clause.isdisjoint(hits.present):
                    return None
            results = []
            for child in children:
                spans = child(text, hits, memo, claims)
                if spans is None:
                    return None
                results.append(spans)
            return _near(results, within) if near else [span for spans in results for span in spans]

    if not node.shared:
        return run
    slot = node.slot

    def remembered(text: str, hits: Hits, memo: list, claims: Claims | None) -> Spans | None:
        known = memo[slot]
        if known is UNSET:
            known = memo[slot] = run(text, hits, memo, claims)
        return known  # type: ignore[no-any-return]

    return remembered


def _regex_runner(node: Node) -> Run:
    key, starts_key, needed = node.key, node.starts, bool(node.needs)
    pattern: re.Pattern[str] = node.pattern  # type: ignore[assignment]

    def run(text: str, hits: Hits, memo: list, claims: Claims | None) -> Spans | None:
        if needed and key not in hits.present:
            return None  # none of the literals it cannot match without occurs
        if starts_key:
            starts = hits.spans(starts_key)
            return _matches_at(pattern, text, starts) if starts else None
        return [m.span() for m in pattern.finditer(text) if m.end() > m.start()] or None

    return run
