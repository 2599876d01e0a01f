"""Evasions of the key words of caught violations must not get them past the detectors."""

from __future__ import annotations

import pytest

from detectors import default_engine
from detectors.evaluation import labelled_files, load_labelled
from detectors.evasions import EVASIONS, robustness

# Issue 18's aim, for every evasion. Initials are ambiguous (sx: 数学 or 实习) and were the last to
# reach it: 0.75 before runs of initials were cut into key terms, 0.94 of the real-world listings
# after, 0.96 since an ambiguous pair is read by the lexicon words on its line (18h).
FLOOR = dict.fromkeys(EVASIONS, 0.95)


@pytest.fixture(scope="module")
def results() -> dict[str, tuple[int, int]]:
    plain = [
        (i.title, i.text, i.platform) for i in load_labelled(labelled_files()) if i.form in ("plain", "unspecified")
    ]
    return robustness(plain, default_engine())


@pytest.mark.parametrize("evasion", list(EVASIONS))
def test_evasion_keeps_caught_violations_flagged(results: dict[str, tuple[int, int]], evasion: str) -> None:
    kept, total = results[evasion]
    assert total >= 100, "the check needs enough caught violations to mean something"
    assert kept / total >= FLOOR[evasion], f"{evasion}: only {kept} of {total} still flagged"


def test_evasions_change_the_text() -> None:
    for name, evasion in EVASIONS.items():
        if name not in ("full width", "circled numerals"):
            assert evasion("辅导数学") != "辅导数学", name
    assert EVASIONS["full width"]("1v1") == "１ｖ１"
    assert EVASIONS["circled numerals"]("一对一") == "①对①"
