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


def signature(folded: str) -> bytes:
    """The MinHash signature of a listing's folded, de-obfuscated text, as 64 × 4 bytes for the store."""
    folded = NOISE.sub("", folded)
    grams = {folded[i : i + 2] for i in range(max(len(folded) - 1, 1))}
    values = np.array(
        [int.from_bytes(hashlib.blake2b(g.encode(), digest_size=4).digest(), "big") for g in grams], dtype=np.uint64
    )
    hashed = (np.outer(values, _A) + _B) % np.uint64(PRIME)  # (grams, permutations), below 2**61
    return (hashed.min(axis=0) & np.uint64(0xFFFFFFFF)).astype(np.uint32).tobytes()


class SignatureDetector(Detector):
    """The MinHash of each listing's own text (title and body), for grouping re-posts."""

    name = "signature"

    @classmethod
    def build(cls, engine: Engine) -> SignatureDetector:
        return cls()

    def detect(self, readings: Sequence[Reading]) -> None:
        for reading in readings:
            reading.signature = signature(reading.content)
