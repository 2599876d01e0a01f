"""A lead's findings by category, as the store keeps them: the strongest evidence first, every piece kept.

An analysis can hold several findings of one category (two rules, the classifier, the licence
registry). People want each category once, with the evidence that convinces: the finding of
the strongest kind (a rule over the registry over the classifier; high confidence over low),
quoted whole when its pieces stand close together, else by its longest piece (among findings
alike, the catalogue's order: a category's first rules are its defining ones); every piece is kept. The store keeps this
as JSON in the lead's ``findings`` column, so exports explain a lead without the detectors.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from detectors.categories import BASIS
from detectors.models import Finding

RANK = {"high": 3, "medium": 2, "low": 1}
PIECE_CHARS = 120  # a quoted piece longer than this is cut (a span is a match, rarely this long)


@dataclass(frozen=True)
class CategoryEvidence:
    category: str
    source: str  # rules | registry | model: what found it (the strongest kind present)
    strongest: str  # the strongest finding's evidence as written
    pieces: tuple[str, ...]  # every piece of every finding of the category, the strongest finding's first
    rules: tuple[str, ...]
    basis: tuple[str, ...]  # the clauses cited, strongest finding's first


def source_of(finding: Finding) -> str:
    if finding.rule.startswith("model/"):
        return "model"
    return "registry" if finding.rule.startswith("registry/") else "rules"


def _strength(finding: Finding) -> tuple[int, int]:
    """Rules over the registry over the classifier, then confidence; among equals the catalogue's order stands."""
    kind = {"rules": 2, "registry": 1, "model": 0}[source_of(finding)]
    return kind, RANK.get(finding.confidence, 0)


def _cut(text: str) -> str:
    return text if len(text) <= PIECE_CHARS else text[: PIECE_CHARS - 1] + "…"


def quoted(finding: Finding) -> str:
    """A finding's evidence as written: its span when that covers every piece (they stand close together),
    else its longest piece (the most specific words: 原价9800元现在 rather than 数学)."""
    if finding.image is not None:  # read from a picture: which picture and where in it, then its characters
        return f"【{finding.image.describe()}】{_cut(finding.image.text)}"
    spans = finding.spans or (finding.span,)
    if finding.span.start <= spans[0].start and finding.span.end >= spans[-1].end:
        return _cut(finding.span.text)
    return _cut(max(spans, key=lambda s: len(s.text)).text)


def by_category(findings: Iterable[Finding]) -> list[CategoryEvidence]:
    """One CategoryEvidence per category, strongest categories first, then by category id."""
    grouped: dict[str, list[Finding]] = {}
    for finding in findings:
        grouped.setdefault(finding.category, []).append(finding)
    out = []
    for category, group in grouped.items():
        group = sorted(group, key=_strength, reverse=True)
        pieces = dict.fromkeys(_cut(s.text) for f in group for s in (f.spans or (f.span,)) if s.text)
        out.append(
            CategoryEvidence(
                category=category,
                source=source_of(group[0]),
                strongest=quoted(group[0]),
                pieces=tuple(pieces),
                rules=tuple(dict.fromkeys(f.rule for f in group)),
                basis=tuple(dict.fromkeys(clause for f in group for clause in f.basis)),
            )
        )
    strongest = {e.category: max(_strength(f) for f in grouped[e.category]) for e in out}
    return sorted(out, key=lambda e: (tuple(-x for x in strongest[e.category]), e.category))


def stored(evidence: Sequence[CategoryEvidence]) -> str:
    """The findings column: its fields are strings and tuples of strings, so the instance's own dict (in field
    order) is what ``asdict`` gives, without its recursive deep copy (a cost per stored lead)."""
    return json.dumps([vars(e) for e in evidence], ensure_ascii=False)


def matched_text(evidence: Sequence[CategoryEvidence]) -> str:
    """The leads files' matched_text: the strongest evidence of each category, |-separated."""
    return " | ".join(dict.fromkeys(e.strongest for e in evidence if e.strongest))


def loaded(findings: str, categories: str = "", matched: str = "") -> list[CategoryEvidence]:
    """A stored findings column back; a lead stored before findings were kept gets its categories and clauses."""
    if findings:
        try:
            return [
                CategoryEvidence(
                    **{**e, "pieces": tuple(e["pieces"]), "rules": tuple(e["rules"]), "basis": tuple(e["basis"])}
                )
                for e in json.loads(findings)
            ]
        except (ValueError, TypeError, KeyError):
            pass
    pieces = tuple(p for p in matched.split(" | ") if p)
    return [
        CategoryEvidence(c, "rules", matched if n == 0 else "", pieces if n == 0 else (), (), BASIS.get(c, ()))
        for n, c in enumerate(c for c in categories.split(";") if c)
    ]
