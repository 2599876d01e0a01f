"""The term scan's hits per matcher key: what the rules read is every occurrence of the key's terms, nothing else."""

from __future__ import annotations

import gc

from hypothesis import given
from hypothesis import strategies as st

from detectors import Document, default_engine
from detectors.collector import collector_paused
from detectors.lexicon import TermIndex

_INDEX: TermIndex = next(d for d in default_engine().detectors if d.name == "rules").index  # type: ignore[attr-defined]
TERMS = st.sampled_from(sorted(_INDEX._terms)[:4000:7])
TEXT = st.lists(st.one_of(TERMS, st.text(alphabet="一对数学家教班0123，。\n ", max_size=4)), max_size=12).map("".join)


@given(TEXT)
def test_every_keys_spans_are_exactly_its_terms_occurrences(text: str) -> None:
    matches = _INDEX.matches_all([text])[0]
    hits = _INDEX.scan(text)
    expected: dict[str, set[tuple[int, int]]] = {}
    for index, start, end in matches:
        for key in _INDEX._keys[index]:
            expected.setdefault(key, set()).add((start, end))
    assert hits.present == set(expected)
    for key, spans in expected.items():
        found = hits.spans(key)
        assert found is not None and len(found) == len(spans) and set(found) == spans
    assert hits.spans("no such key") is None


def test_the_collector_is_paused_only_inside_and_left_as_found() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # someone else turned it off: it stays off
    finally:
        gc.enable()


@given(st.lists(st.tuples(TEXT, TEXT, st.sampled_from([None, "tutoring", "housekeeping", "recruitment"])), max_size=7))
def test_listings_analysed_in_a_batch_get_what_they_get_one_by_one(listings: list[tuple[str, str, str | None]]) -> None:
    engine = default_engine()
    docs = [Document(title, body, platform) for title, body, platform in listings]
    assert engine.analyze_many(docs, batch=3) == [engine.analyze(doc) for doc in docs]
