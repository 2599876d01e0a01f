"""Normalisation keeps an exact map back to the original text, whatever the input."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from detectors import analyze
from detectors.normalize import normalize

TEXTS = st.text(alphabet=st.characters(codec="utf-8"), max_size=200) | st.sampled_from(
    ["１对１数学", "一\u200b对\u200b一英语", "ＦＵＬＬ\u3000ＷＩＤＴＨ", "①对①", "ﬁ ß İ"]
)


def test_full_width_case_and_invisible_characters() -> None:
    norm = normalize("１对１\u200bＭath")
    assert norm.text == "1对1math"
    assert norm.original_range(3, 7) == (4, 8)


@given(TEXTS)
@settings(max_examples=300, deadline=None)
def test_offset_map_covers_the_original_in_order(text: str) -> None:
    norm = normalize(text)
    assert len(norm.starts) == len(norm.ends) == len(norm.text)
    assert all(0 <= s < e <= len(text) for s, e in zip(norm.starts, norm.ends, strict=True))
    assert list(norm.starts) == sorted(norm.starts)


@given(TEXTS)
@settings(max_examples=300, deadline=None)
def test_normalising_is_idempotent(text: str) -> None:
    once = normalize(text).text
    assert normalize(once).text == once


@given(st.text(max_size=80), TEXTS)
@settings(max_examples=200, deadline=None)
def test_findings_point_at_the_original_text(title: str, text: str) -> None:
    body = text + " 初中数学一对一" if len(text) % 2 else text
    analysis = analyze(title, body)
    full = title + "\n" + body
    for finding in analysis.findings:
        assert full[finding.span.start : finding.span.end] == finding.span.text
        for span in finding.spans:
            assert full[span.start : span.end] == span.text
