"""The literals read off a regex are sound: no match is ever skipped because its literals were not seen."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from detectors import default_engine
from detectors.evaluation import labelled_files, load_labelled
from detectors.matchers import _matches_at
from detectors.prefilter import prefixes, required


@pytest.mark.parametrize(
    ("pattern", "needed", "starts"),
    [
        ("物理(?!治疗)|化学(?!品)", {"物理", "化学"}, {"物理", "化学"}),
        (
            "(?<![0-9])[1-3]年[级級]",
            {f"{d}年{g}" for d in "123" for g in "级級"},
            {f"{d}年{g}" for d in "123" for g in "级級"},
        ),
        ("辅导[^,。]{0,4}作业", {"辅导"}, {"辅导"}),
        ("[^,。]{1,4}杯赛", {"杯赛"}, None),
        ("a?b|c", {"b", "c"}, None),  # b or c is in every match, but a match may start with a or b
        ("(?i)abc", None, None),
        (".*", None, None),
    ],
)
def test_literals_of_hand_written_patterns(pattern: str, needed: set | None, starts: set | None) -> None:
    assert required(pattern) == (frozenset(needed) if needed else None)
    assert prefixes(pattern) == (frozenset(starts) if starts else None)


def _occurrences(literal: str, text: str) -> Iterator[int]:
    """Where ``literal`` starts in ``text``, overlaps included."""
    start = text.find(literal)
    while start >= 0:
        yield start
        start = text.find(literal, start + 1)


def test_every_catalogue_regex_match_holds_its_literals_and_starts_with_one() -> None:
    engine = default_engine()
    patterns = {
        sub.regex for rule in engine.catalogue.rules for expr in (rule.match, *rule.unless) for sub in expr.walk()
    }
    patterns.discard(None)
    # Every listing of the corpus, one a line, in one text: the properties hold for any text, and one
    # search a pattern instead of one a listing costs a tenth of the time (the corpus has ~3,000).
    text = "\n".join(engine.fold(f"{i.title}\n{i.text}") for i in load_labelled(labelled_files()))
    checked = 0
    for pattern in sorted(patterns):  # type: ignore[arg-type]
        compiled, needed, starts = re.compile(pattern), required(pattern), prefixes(pattern)
        found = [m.span() for m in compiled.finditer(text) if m.end() > m.start()]
        for start, end in found:
            assert needed is None or any(literal in text[start:end] for literal in needed), (pattern, text[start:end])
            assert starts is None or text.startswith(tuple(starts), start), (pattern, text[start:end])
        if starts is not None:
            at = [(start, 0) for literal in starts for start in _occurrences(literal, text)]
            assert (_matches_at(compiled, text, at) or []) == found, pattern
        checked += len(found)
    assert checked > 1000, "the corpus exercises the catalogue's regexes"
