"""Normalisation before matching, with an offset map back to the original text.

Rules match on the normalised text; investigators must see the original characters. Each
normalised character remembers the original range it came from, so every finding can be
reported as an exact slice of the input.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Normalized:
    """Normalised text plus, for each of its characters, the original [start, end) it came from."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def original_range(self, start: int, end: int) -> tuple[int, int]:
        """Map a non-empty normalised range back to the original text."""
        return self.starts[start], self.ends[end - 1]


def _is_invisible(char: str) -> bool:
    # Zero-width joiners, BOMs, bidi marks: advertisers insert them to break up banned words.
    return unicodedata.category(char) == "Cf"


def normalize_term(term: str) -> str:
    """The form a lexicon term takes so that it compares with normalised text."""
    return normalize(term).text


def normalize(text: str) -> Normalized:
    """NFKC (full width to half width, circled digits), case folding, invisible characters dropped."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for index, char in enumerate(text):
        if _is_invisible(char):
            continue
        folded = unicodedata.normalize("NFKC", char).casefold()
        for piece in folded:
            out.append(piece)
            starts.append(index)
            ends.append(index + 1)
    return Normalized("".join(out), tuple(starts), tuple(ends))
