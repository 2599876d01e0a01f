"""Folding before matching, with an offset map back to the original text.

Rules match on folded text; investigators must see the original characters. Folding is one
table lookup per character (NFKC, lower case, 繁→简 by OpenCC, financial numerals 壹貳叁 → 一二三)
plus two kinds of deletion: invisible characters (zero-width, bidi marks, variation selectors)
everywhere, and decorative separators (spaces, ·*•_|/, emoji, symbols) between a CJK character
and a CJK character or letter/digit — how advertisers break up 一 对 一 or 一🔥对🔥一. Every folded
character comes from exactly one original character, so a folded span maps back exactly.

The tables are numpy arrays over all code points, built once per process; folding a text is a
handful of vectorised operations, not a Python loop per character.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import opencc

NORMAL, INVISIBLE, SEPARATOR, CJK, ALNUM = 0, 1, 2, 3, 4
CODE_POINTS = 0x110000
FINANCIAL_CHARS = "壹贰貳叁參肆伍陆陸柒捌玖拾佰仟"
FINANCIAL = str.maketrans(FINANCIAL_CHARS, "一二二三三四五六六七八九十百千")
SEPARATOR_PUNCTUATION = set(" \t\r\u3000·•‧・∙⋅*_|/\\^~`'\"#.-—–―‐‑‒﹏＿¦")
MASKS = set("□○〇✘✗×")  # stand-ins for a character (数X, 数□): kept so that they can be matched
CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FFFF), (0x30000, 0x3134F))
INVISIBLE_RANGES = ((0xFE00, 0xFE0F), (0xE0000, 0xE007F), (0xE0100, 0xE01EF), (0x20E3, 0x20E3))
EMOJI_RANGES = ((0x1F000, 0x1FAFF), (0x2600, 0x27BF), (0x2B00, 0x2BFF), (0x1FC00, 0x1FFFD))


@dataclass(frozen=True)
class Normalized:
    """Folded text plus, for each of its characters, the original [start, end) it came from."""

    text: str
    starts: np.ndarray
    ends: np.ndarray

    def original_range(self, start: int, end: int) -> tuple[int, int]:
        """Map a non-empty folded range back to the original text."""
        return self.starts.item(start), self.ends.item(end - 1)  # .item(): a Python int, without a numpy scalar


def _fold_char(char: str) -> str:
    """The one character ``char`` folds to (NFKC + lower case), or itself when that is not one character."""
    folded = unicodedata.normalize("NFKC", char).lower()
    if len(folded) == 1:
        return folded
    alnum = "".join(c for c in folded if c.isalnum())
    return alnum if len(alnum) == 1 else char


def _t2s_table() -> dict[int, str]:
    """繁→简 for single CJK characters, by the official OpenCC converter, one call for all of them."""
    chars = [chr(cp) for lo, hi in CJK_RANGES[:3] for cp in range(lo, hi + 1)]
    converted = opencc.OpenCC("t2s").convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):  # a conversion that spans lines: fall back to one call each
        converter = opencc.OpenCC("t2s")
        converted = [converter.convert(c) for c in chars]
    return {ord(c): s for c, s in zip(chars, converted, strict=True) if len(s) == 1 and s != c}


def _kind(cp: int, folded: str) -> int:
    if folded == "\n":
        return NORMAL
    category = unicodedata.category(folded)
    if category in ("Cf", "Mn", "Me") or (category == "Cc" and folded not in "\t\r"):
        return INVISIBLE
    if folded in MASKS:
        return NORMAL
    if folded in SEPARATOR_PUNCTUATION or category in ("Zs", "So", "Sk", "Pd"):
        return SEPARATOR
    if 0x3400 <= ord(folded) <= 0x9FFF or 0xF900 <= ord(folded) <= 0xFAFF:
        return CJK
    if folded.isascii() and folded.isalnum():
        return ALNUM
    return NORMAL


@lru_cache(maxsize=1)
def tables() -> tuple[np.ndarray, np.ndarray]:
    """(fold: code point → code point, kind: code point → NORMAL/INVISIBLE/SEPARATOR/CJK/ALNUM)."""
    fold = np.arange(CODE_POINTS, dtype=np.uint32)
    kind = np.zeros(CODE_POINTS, dtype=np.uint8)
    t2s = _t2s_table()
    for lo, hi in CJK_RANGES[:2]:  # unified ideographs are NFKC-stable: only 繁→简 applies
        kind[lo : hi + 1] = CJK
    points = [cp for cp in range(0x10000) if not (0x3400 <= cp <= 0x9FFF or 0xD800 <= cp <= 0xDFFF)]
    points += [*range(0x1D400, 0x1D800), *range(0x1F100, 0x1F200)]
    folded = [_fold_char(chr(cp)) for cp in points]
    fold[points] = [ord(f) for f in folded]
    kind[points] = [_kind(cp, f) for cp, f in zip(points, folded, strict=True)]
    kind[0xD800:0xE000] = INVISIBLE  # lone surrogates: hostile input, never text
    for lo, hi in CJK_RANGES[3:]:
        kind[lo : hi + 1] = CJK
    for lo, hi in EMOJI_RANGES:
        kind[lo : hi + 1] = np.where(kind[lo : hi + 1] == INVISIBLE, INVISIBLE, SEPARATOR)
    for lo, hi in INVISIBLE_RANGES:
        kind[lo : hi + 1] = INVISIBLE
    kind[[ord(m) for m in MASKS]] = NORMAL  # ✘ is in an emoji block, but stands for a character
    chinese = np.arange(CODE_POINTS, dtype=np.uint32)  # 繁→简, then financial numerals
    for cp in {*t2s, *(ord(c) for c in FINANCIAL_CHARS)}:
        chinese[cp] = ord(t2s.get(cp, chr(cp)).translate(FINANCIAL))
    fold = chinese[fold]
    while True:  # folding twice must change nothing
        again = fold[fold]
        if np.array_equal(again, fold):
            return fold, kind
        fold = again


def _separators_to_drop(kinds: np.ndarray) -> np.ndarray:
    """Mask of separators whose nearest visible neighbours are CJK and CJK-or-alnum (at least one CJK)."""
    dropped = np.zeros(len(kinds), dtype=bool)
    seps = np.flatnonzero(kinds == SEPARATOR)
    if len(seps) == 0:
        return dropped
    solid = np.flatnonzero((kinds != SEPARATOR) & (kinds != INVISIBLE))
    if len(solid) == 0:
        return dropped
    after = np.searchsorted(solid, seps)
    has_prev, has_next = after > 0, after < len(solid)
    prev_kind = np.where(has_prev, kinds[solid[np.maximum(after - 1, 0)]], NORMAL)
    next_kind = np.where(has_next, kinds[solid[np.minimum(after, len(solid) - 1)]], NORMAL)
    wordy = ((prev_kind == CJK) | (prev_kind == ALNUM)) & ((next_kind == CJK) | (next_kind == ALNUM))
    dropped[seps[wordy & ((prev_kind == CJK) | (next_kind == CJK))]] = True
    return dropped


def normalize(text: str) -> Normalized:
    """Fold ``text`` for matching; see the module docstring for what changes."""
    fold, kind = tables()
    points = np.frombuffer(text.encode("utf-32-le", errors="surrogatepass"), dtype=np.uint32)
    kinds = kind[points]
    keep = (kinds != INVISIBLE) & ~_separators_to_drop(kinds)
    starts = np.flatnonzero(keep)
    folded = fold[points[starts]].tobytes().decode("utf-32-le")
    return Normalized(folded, starts, starts + 1)


def normalize_term(term: str) -> str:
    """The form a lexicon term takes so that it compares with folded text."""
    return normalize(term).text
