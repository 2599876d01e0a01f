"""Undo sound-alike and spelled-out evasions of key terms, keeping the offset map exact.

Advertisers write 家教 as jiajiao, jia教, 佳教; 一对一 as yi对yi or ydy; 数学 as 数X; 微信 as VX or
薇信. For each key term of rules/obfuscation/sound_alike.txt this module derives those forms
(pinyin for any of its characters, initials, one character swapped for a homophone, one
character masked) and, with the explicit aliases of rules/obfuscation/aliases.txt, finds them
in folded text in one Aho-Corasick pass and writes the key term in their place. The key term's
characters map back to the whole original evasion, so findings still quote the original text.

Sound-alikes are also ordinary words (无理 sounds like 物理, 大家叫 contains 家叫), so a homophone
form is accepted only where it is not itself a dictionary word and no dictionary word crosses
its edges (jieba's dictionary, loaded only when such a candidate is seen); spelled-out forms
must stand apart from other letters.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import ahocorasick_rs
import numpy as np
from pypinyin import lazy_pinyin
from pypinyin.pinyin_dict import pinyin_dict

from detectors.errors import ConfigError
from detectors.normalize import Normalized, normalize_term

MASKS = ("x", "×", "□", "○", "〇", "✘", "✗")
MIN_WORD_FREQ = 20  # jieba counts below this are segmentation debris (教上: 3), not words


def _toneless(syllable: str) -> str:
    bare = "".join(c for c in unicodedata.normalize("NFD", syllable) if not unicodedata.combining(c))
    return bare.replace("ü", "v")


def _common_chars() -> list[str]:
    """The 6,763 characters of GB2312: the homophones an advertiser would reach for."""
    chars = []
    for high in range(0xB0, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.append(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def homophone_index() -> dict[str, set[str]]:
    """Toneless pinyin → the common characters that can be read so."""
    index: dict[str, set[str]] = {}
    for char in _common_chars():
        for reading in pinyin_dict.get(ord(char), "").split(","):
            if reading:
                index.setdefault(_toneless(reading), set()).add(char)
    return index


@dataclass(frozen=True)
class Variant:
    term: str  # the key term written in its place
    kind: str  # alias | pinyin | initials | homophone | mask


def variants_of(term: str, homophones: dict[str, set[str]]) -> dict[str, Variant]:
    """Every evasion form of one key term (folded), mapped to the term."""
    syllables = lazy_pinyin(term)
    if len(syllables) != len(term) or not all(s.isascii() and s.isalpha() for s in syllables):
        return {}
    forms: dict[str, Variant] = {}
    for mask in range(1, 2 ** len(term)):  # each character either itself or spelled out
        form = "".join(syllables[i] if mask >> i & 1 else term[i] for i in range(len(term)))
        forms[form] = Variant(term, "pinyin")
    if len(term) >= 2:
        forms["".join(s[0] for s in syllables)] = Variant(term, "initials")
    for i, syllable in enumerate(syllables):
        for char in homophones.get(syllable, ()):
            if char != term[i]:
                forms.setdefault(term[:i] + char + term[i + 1 :], Variant(term, "homophone"))
        if i > 0:
            for stand_in in MASKS:
                forms.setdefault(term[:i] + stand_in + term[i + 1 :], Variant(term, "mask"))
    return forms


def _read_lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines()]


class Deobfuscator:
    """Built once per catalogue; ``apply`` rewrites evasions in folded text."""

    def __init__(self, obfuscation_dir: Path) -> None:
        terms = [normalize_term(t) for t in _read_lines(obfuscation_dir / "sound_alike.txt") if t]
        homophones = homophone_index()
        forms: dict[str, Variant] = {}
        for term in terms:
            for form, variant in variants_of(term, homophones).items():
                forms.setdefault(form, variant)
        for number, line in enumerate(_read_lines(obfuscation_dir / "aliases.txt"), start=1):
            if not line:
                continue
            parts = line.split()
            if len(parts) != 2:
                raise ConfigError(f"{obfuscation_dir / 'aliases.txt'}:{number}: expected 'evasion term'")
            forms[normalize_term(parts[0])] = Variant(normalize_term(parts[1]), "alias")
        for term in terms:  # a key term is never rewritten into another
            forms.pop(term, None)
        self.forms = list(forms)
        self.variants = [forms[f] for f in self.forms]
        self.terms = set(terms)
        self._automaton = ahocorasick_rs.AhoCorasick(self.forms, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)

    @cached_property
    def _words(self) -> dict[str, int]:
        import jieba  # the dictionary loads in about a second: only when a homophone is seen

        jieba.setLogLevel(60)
        jieba.initialize()
        return jieba.dt.FREQ

    def _is_word(self, text: str) -> bool:
        return self._words.get(text, 0) >= MIN_WORD_FREQ

    def _crossed(self, text: str, start: int, end: int) -> bool:
        """Whether a dictionary word of 2-4 characters straddles either edge of [start, end)."""
        return any(
            self._is_word(text[left:right])
            for edge in (start, end)
            for left in range(max(0, edge - 3), edge)
            for right in range(edge + 1, min(len(text), left + 4) + 1)
        )

    def _plausible(self, text: str, start: int, end: int, variant: Variant) -> bool:
        form = text[start:end]
        before = text[start - 1] if start > 0 else " "
        after = text[end] if end < len(text) else " "
        if form[0].isascii() and form[0].isalnum() and before.isascii() and before.isalnum():
            return False
        if form[-1].isascii() and form[-1].isalnum() and after.isascii() and after.isalnum():
            return False
        if variant.kind == "initials" and len(form) == 2:  # two letters: only right next to Chinese
            return not (before.isascii() and after.isascii())
        if variant.kind == "homophone":
            return not self._is_word(form) and not self._crossed(text, start, end)
        return True

    def apply(self, norm: Normalized) -> Normalized:
        text = norm.text
        found = [
            (start, end, self.variants[index])
            for index, start, end in self._automaton.find_matches_as_indexes(text)
            if self._plausible(text, start, end, self.variants[index])
        ]
        if not found:
            return norm
        pieces, starts, ends = [], [], []
        at = 0
        for start, end, variant in found:
            pieces.append(text[at:start])
            starts.append(norm.starts[at:start])
            ends.append(norm.ends[at:start])
            pieces.append(variant.term)
            starts.append(np.full(len(variant.term), norm.starts[start]))
            ends.append(np.full(len(variant.term), norm.ends[end - 1]))
            at = end
        pieces.append(text[at:])
        starts.append(norm.starts[at:])
        ends.append(norm.ends[at:])
        return Normalized("".join(pieces), np.concatenate(starts), np.concatenate(ends))
