"""The near-duplicate signature: MinHash of a listing's folded, de-obfuscated text.

64 permutations over character bigrams, whitespace and punctuation removed, so a re-post in 繁体
or with 1对1 for 一对一 still matches. The store indexes its bands to group re-posts into cases
(crawler/leads/groups.py). Values are pinned by tests/test_store.py: a store keeps them, so they
never change between versions.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from detectors.detector import Detector, Reading

if TYPE_CHECKING:
    from detectors.engine import Engine

PERMUTATIONS = 64
PRIME = (1 << 61) - 1
_RANDOM = np.random.default_rng(20261122)
_A = _RANDOM.integers(1, PRIME, PERMUTATIONS, dtype=np.uint64)
_B = _RANDOM.integers(0, PRIME, PERMUTATIONS, dtype=np.uint64)
NOISE = re.compile(r"[\W_]+")


GRAM_CACHE = 1_000_000  # bigram hashes kept: the bigrams of Chinese ads repeat from listing to listing
_hashes: dict[str, int] = {}


def _gram_values(folded: str) -> list[int]:
    """The 32-bit hash of each distinct bigram of a text (whitespace and punctuation removed)."""
    folded = NOISE.sub("", folded)
    values = []
    for gram in {folded[i : i + 2] for i in range(max(len(folded) - 1, 1))}:
        value = _hashes.get(gram)
        if value is None:
            value = int.from_bytes(hashlib.blake2b(gram.encode(), digest_size=4).digest(), "big")
            if len(_hashes) < GRAM_CACHE:
                _hashes[gram] = value
        values.append(value)
    return values


def signatures(texts: Sequence[str]) -> list[bytes]:
    """The MinHash signature of each folded, de-obfuscated text, as 64 × 4 bytes: one numpy pass for the batch."""
    grams = [_gram_values(text) for text in texts]
    if not grams:
        return []
    values = np.fromiter((v for g in grams for v in g), dtype=np.uint64, count=sum(map(len, grams)))
    hashed = (np.outer(values, _A) + _B) % np.uint64(PRIME)  # (grams, permutations), below 2**61
    offsets = np.concatenate(([0], np.cumsum([len(g) for g in grams])[:-1]))
    lowest = np.minimum.reduceat(hashed, offsets, axis=0) & np.uint64(0xFFFFFFFF)
    return [row.tobytes() for row in lowest.astype(np.uint32)]


def signature(folded: str) -> bytes:
    """The MinHash signature of one listing's folded, de-obfuscated text."""
    return signatures([folded])[0]


class SignatureDetector(Detector):
    """The MinHash of each listing's own text (title and body), for grouping re-posts."""

    name = "signature"

    @classmethod
    def build(cls, engine: Engine) -> SignatureDetector:
        return cls()

    def detect(self, readings: Sequence[Reading]) -> None:
        for reading, computed in zip(readings, signatures([r.content for r in readings]), strict=True):
            reading.signature = computed
