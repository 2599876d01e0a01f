"""The literals a regex cannot match without, so the term scan can tell which rules may fire.

Two questions are answered from the parse of a pattern. ``prefixes``: the literals every match
starts with (after lookarounds); then the regex need only be tried, with ``match``, where the
scan found one of them, instead of being searched for along the whole text. ``required``: the
literals one of which every match contains somewhere; then a document without any of them is
skipped. Where neither can be said, the regex is searched for as usual.

A rule is evaluated only when every term list and regex it requires has a hit in the one
Aho-Corasick scan of the document; a regex has a "hit" when one of its required literals
occurs. ``required("物理(?!治疗)|化学(?!品)")`` is ``{"物理", "化学"}``: any match contains one of
them. The set is read off Python's own parse of the pattern (as ripgrep and Hyperscan pick
literals before running a regex): a branch needs one literal per alternative, a sequence the
most selective literal run it holds, a repeat what its body needs unless it may repeat zero
times. Lookarounds and anchors match no text and count as the empty string. When nothing can be
said (``.``, ``\\w``, a negated class, a case-insensitive pattern), ``required`` returns None
and the regex is run on every document that reaches it. The sets are sound by construction and
checked on the corpus (tests/test_prefilter.py).
"""

from __future__ import annotations

import re
from itertools import product
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as parser  # type: ignore[attr-defined]

Strings = set[str]
ZERO_WIDTH = (sre.ASSERT, sre.ASSERT_NOT, sre.AT)
MAX_STRINGS = 256  # cross products of short classes ([1-9]年[级級]) kept up to this many strings
MAX_CLASS = 64  # characters of a class spelled out as strings


def _class(items: list) -> Strings | None:
    chars: Strings = set()
    for op, value in items:
        if op is sre.LITERAL:
            chars.add(chr(value))
        elif op is sre.RANGE and value[1] - value[0] < MAX_CLASS:
            chars.update(chr(c) for c in range(value[0], value[1] + 1))
        else:  # NEGATE, CATEGORY (\d, \w), or a wide range
            return None
    return chars if len(chars) <= MAX_CLASS else None


def _cross(left: Strings, right: Strings) -> Strings | None:
    return {a + b for a in left for b in right} if len(left) * len(right) <= MAX_STRINGS else None


def _selective(candidates: list[Strings]) -> Strings | None:
    """The candidate whose shortest string is longest (then the smallest set): the rarest to occur."""
    usable = [c for c in candidates if c and min(map(len, c)) >= 1]
    return max(usable, key=lambda c: (min(map(len, c)), -len(c))) if usable else None


def _sequence(items: list) -> tuple[Strings | None, Strings | None]:
    """(the exact strings the sequence matches, when few; literals one of which any match contains)."""
    whole: Strings | None = {""}
    run: Strings = {""}
    candidates: list[Strings] = []
    for op, value in items:
        exact, need = _item(op, value)
        whole = _cross(whole, exact) if whole is not None and exact is not None else None
        joined = _cross(run, exact) if exact is not None else None
        if joined is not None:
            run = joined
        else:
            candidates.append(run)
            run = set(exact) if exact is not None else {""}
        if need is not None:
            candidates.append(need)
    candidates.append(run)
    return whole, _selective(candidates)


def _item(op: object, value: object) -> tuple[Strings | None, Strings | None]:
    if op is sre.LITERAL:
        return {chr(value)}, {chr(value)}  # type: ignore[arg-type]
    if op is sre.IN:
        chars = _class(value)  # type: ignore[arg-type]
        return chars, chars
    if op in (sre.ASSERT, sre.ASSERT_NOT, sre.AT):
        return {""}, None  # zero-width: no text of the match
    if op is sre.SUBPATTERN:
        _, added, _, items = value  # type: ignore[misc]
        return (None, None) if added & re.IGNORECASE else _sequence(items)
    if op is sre.BRANCH:
        results = [_sequence(alternative) for alternative in value[1]]  # type: ignore[index]
        exacts = [exact for exact, _ in results]
        exact = set().union(*exacts) if all(e is not None for e in exacts) else None
        needs = [need for _, need in results]
        need = set().union(*needs) if all(n is not None for n in needs) else None
        return (exact if exact is None or len(exact) <= MAX_STRINGS else None), need
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        low, high, items = value  # type: ignore[misc]
        if low == 0:
            return None, None
        exact, need = _sequence(items)
        if exact is not None and low == high and len(exact) ** low <= MAX_STRINGS:
            return {"".join(p) for p in product(exact, repeat=low)}, need
        return None, need
    return None, None  # ANY, NOT_LITERAL, CATEGORY, GROUPREF …


def required(pattern: str) -> frozenset[str] | None:
    """Literals one of which every non-empty match of ``pattern`` contains; None when there are none to name."""
    parsed = parser.parse(pattern)
    if parsed.state.flags & re.IGNORECASE:
        return None
    _, need = _sequence(list(parsed))
    return frozenset(need) if need else None


def _starts(items: list) -> Strings | None:
    """Strings every match of a sequence starts with (lookarounds skipped), or None."""
    at = 0
    while at < len(items) and items[at][0] in ZERO_WIDTH:
        at += 1
    if at == len(items):
        return None
    op, value = items[at]
    run, _ = _item(op, value)
    if run is None:  # not a few exact strings: what its own matches start with
        if op is sre.SUBPATTERN:
            return None if value[1] & re.IGNORECASE else _starts(value[3])
        if op is sre.BRANCH:
            starts = [_starts(alternative) for alternative in value[1]]
            return set().union(*starts) if all(s is not None for s in starts) else None  # type: ignore[arg-type]
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) and value[0] >= 1:
            return _starts(value[2])
        return None
    for op, value in items[at + 1 :]:  # exact: grow it with the exact items that follow
        exact, _ = _item(op, value)
        joined = _cross(run, exact) if exact is not None else None
        if joined is None:
            break
        run = joined
    return run if run and min(map(len, run)) >= 1 else None


def prefixes(pattern: str) -> frozenset[str] | None:
    """Literals every non-empty match of ``pattern`` starts with; None when there are none to name."""
    parsed = parser.parse(pattern)
    if parsed.state.flags & re.IGNORECASE:
        return None
    starts = _starts(list(parsed))
    return frozenset(starts) if starts else None
