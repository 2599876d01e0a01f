"""Undo sound-alike and spelled-out evasions of key terms, keeping the offset map exact.

Advertisers write 家教 as jiajiao, jia教, 佳教; 一对一 as yi对yi or ydy; 数学 as 数X; 微信 as VX or
薇信. Key terms are every 2–4-character Chinese term of the rule lexicons plus the words of
rules/obfuscation/sound_alike.txt. Two passes, each one Aho-Corasick scan, rewrite evasions to
the key term before the rules run:

1. Spelled forms: any of a term's characters written in pinyin (jia教, jiajiao), a character
   after the first masked (数X, 数□), initials (ydy; yx衔接 and 幼小xj for one word of a longer
   term; two letters only next to Chinese, or between Chinese and a number: 同步ts30分), and the
   explicit pairs of rules/obfuscation/aliases.txt (VX → 微信). Ambiguous initials take the term
   their Chinese neighbours complete, else the listed words' first; runs of initials written
   together or apart by spaces (zxxwkjszp, yyjj, yw zw, sx 1对1) are cut into key terms by
   ``initials_runs.InitialsReader``. A form rejected for running into letters (育x of 育儿 in
   教育xue员) does not hide the forms that start inside it.
2. Homophones: the text is also read as a string of toneless syllables (a table lookup per
   character), and the key terms' syllable strings are found in it; a stretch that sounds like a
   term but is written otherwise (佳教, 甫导) is rewritten. Two-character terms take part only
   when listed in sound_alike.txt (the words that decide: subjects, formats, and the pay, role
   and hiring words of job boards and 家政 posts): too many two-character sound-alikes are real
   words (问过 sounds like 稳过, 单次 like 单词, 节送 like 接送).

The key term's characters map back to the whole original evasion, so findings still quote the
original text. Sound-alikes are also ordinary words (无理 sounds like 物理, 大家叫 contains 家叫),
so a homophone is accepted only where it is not itself a dictionary word and no dictionary
word crosses its edges (jieba's dictionary); spelled forms must stand apart from other letters.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import ahocorasick_rs
import numpy as np

from detectors.errors import ConfigError
from detectors.initials_runs import InitialsReader, Lines
from detectors.normalize import CODE_POINTS, Normalized, normalize_term
from detectors.segmenter import jieba_loaded

MASKS = ("x", "×", "□", "○", "〇", "✘", "✗")


class Spans:
    """Key terms found in a text, as sorted [start, end); those overlapping a range by bisection.

    Terms are a few characters long, so only spans starting within the longest term's length
    before a range can reach into it: one lookup costs O(log n), and a hostile megabyte of
    key terms costs O(n log n) instead of O(n²).
    """

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        self.spans = sorted(spans)
        self.starts = [start for start, _ in self.spans]
        self.longest = max((end - start for start, end in self.spans), default=0)

    def overlapping(self, start: int, end: int) -> list[tuple[int, int]]:
        low = bisect_left(self.starts, start - self.longest + 1)
        high = bisect_left(self.starts, end)
        return [(s, e) for s, e in self.spans[low:high] if s < end and start < e]


MAX_RESCANS = 1000  # per text: a hostile run of rejected forms cannot make the scan quadratic
RESCAN_REACH = 32  # characters past a rejected form searched again (longer than any spelled form's tail)
MIN_WORD_FREQ = 20  # jieba counts below this are segmentation debris (教上: 3), not words
CROSSING_WORD_FREQ = 200  # a word across an edge must be common (大家, 习惯) to veto: 假种 (33) is not
LATIN_WORDS = frozenset(
    [
        "qq",
        "vx",
        "wx",
        "ok",
        "ps",
        "dj",
        "id",
        "app",
        "tv",
        "pk",
        "vip",
        "diy",
        "cd",
        "dvd",
        "ktv",
        "gps",
        "usb",
        "pdf",
        "ppt",
        "pc",
        "sos",
        "yyds",  # internet slang, not initials of key terms
        "xswl",
        "awsl",
        "zqsg",
        "nbcs",
        "dbq",
        "srds",
        "bhys",
    ]
)
KEY_TERM = re.compile(r"[\u4e00-\u9fff]{2,4}")
SYLLABLE_BASE = 0xE000  # syllable i is written as the private-use character U+E000 + i


@lru_cache(maxsize=4096)
def toneless(syllable: str) -> str:
    bare = "".join(c for c in unicodedata.normalize("NFD", syllable) if not unicodedata.combining(c))
    return bare.replace("ü", "v")


@lru_cache(maxsize=1)
def syllable_table() -> tuple[np.ndarray, dict[str, int]]:
    """Code point → id of its (first) toneless reading; 0 for characters with none."""
    from pypinyin.pinyin_dict import pinyin_dict  # here, not at import: a crawl process never folds text

    ids: dict[str, int] = {}
    table = np.zeros(CODE_POINTS, dtype=np.uint32)
    for cp, readings in pinyin_dict.items():
        reading = toneless(readings.split(",")[0])
        if reading.isascii() and reading.isalpha():
            table[cp] = ids.setdefault(reading, len(ids) + 1)
    return table, ids


@dataclass(frozen=True)
class Variant:
    term: str  # the key term written in its place
    kind: str  # alias | pinyin | initials | mask | homophone


def spelled_forms(term: str, syllables: list[str], initials: bool) -> dict[str, Variant]:
    """Pinyin, masked and (when asked) initial forms of one key term read as ``syllables``."""
    if len(syllables) != len(term) or not all(s.isascii() and s.isalpha() for s in syllables):
        return {}
    forms: dict[str, Variant] = {}
    for mask in range(1, 2 ** len(term)):  # each character either itself or spelled out
        forms["".join(syllables[i] if mask >> i & 1 else term[i] for i in range(len(term)))] = Variant(term, "pinyin")
    forms[" ".join(syllables)] = Variant(term, "pinyin")  # jia jiao: letters are not joined by folding
    if initials:
        forms["".join(s[0] for s in syllables)] = Variant(term, "initials")
        for cut in range(2, len(term)):  # one word of a longer term as initials: yx衔接 (幼小衔接), 幼小xj, xk类
            forms["".join(s[0] for s in syllables[:cut]) + term[cut:]] = Variant(term, "initials")
            if len(term) - cut >= 2:  # one trailing letter (学科l) is too often a unit or a typo
                forms[term[:cut] + "".join(s[0] for s in syllables[cut:])] = Variant(term, "initials")
    for i in range(1, len(term)):
        for stand_in in MASKS:
            forms.setdefault(term[:i] + stand_in + term[i + 1 :], Variant(term, "mask"))
    return forms


def _readings(terms: list[str]) -> list[list[str]]:
    """Toneless pinyin of each term, read in context, in one pypinyin call for all of them."""
    from pypinyin import lazy_pinyin  # its phrase tables take a second to import: only where an engine is built

    readings: list[list[str]] = [[]]
    for syllable in lazy_pinyin("\n".join(terms)):
        if syllable == "\n":
            readings.append([])
        else:
            readings[-1].append(syllable)
    return readings


def _read_lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines()]


# A measure word after a number counts things (3个科目, 几个科目): it is not a sound-alike of 各.
MEASURE_WORDS = frozenset("个個")
COUNTERS = frozenset("0123456789一二三四五六七八九十两兩几幾多每这這那")


def _counted(text: str, start: int) -> bool:
    """Whether the stretch at ``start`` opens with a measure word after a number (3个科目, not 各科目)."""
    return text[start] in MEASURE_WORDS and start > 0 and text[start - 1] in COUNTERS


def neighbours(text: str, start: int, end: int) -> tuple[str, str]:
    """The characters just before and after ``text[start:end]``; a space at either end of the text."""
    return (text[start - 1] if start > 0 else " "), (text[end] if end < len(text) else " ")


class Deobfuscator:
    """Built once per catalogue; ``apply`` rewrites evasions in folded text."""

    def __init__(
        self, obfuscation_dir: Path, lexicon_terms: Iterable[str] = (), groups: Iterable[Iterable[str]] = ()
    ) -> None:
        """``groups``: the lexicons (terms of one meaning), which pick what ambiguous initials stand for."""
        listed = [normalize_term(t) for t in _read_lines(obfuscation_dir / "sound_alike.txt") if t]
        self.terms = set(listed) | {t for t in lexicon_terms if KEY_TERM.fullmatch(t)}
        ordered = [*listed, *sorted(self.terms - set(listed))]
        readings = dict(zip(ordered, _readings(ordered), strict=True))
        forms: dict[str, Variant] = {}
        candidates: dict[str, list[str]] = {}  # a form of letters alone → every term it spells, preferred first
        for term in ordered:
            for form, variant in spelled_forms(term, readings[term], initials=True).items():
                if form not in LATIN_WORDS:
                    forms.setdefault(form, variant)
                    if form.isascii() and form.isalpha() and term not in candidates.get(form, ()):
                        candidates.setdefault(form, []).append(term)
        aliases = obfuscation_dir / "aliases.txt"
        for number, line in enumerate(_read_lines(aliases), start=1):
            if line:
                parts = line.split()
                if len(parts) != 2:
                    raise ConfigError(f"{aliases}:{number}: expected 'evasion term'")
                forms[normalize_term(parts[0])] = Variant(normalize_term(parts[1]), "alias")
        for term in self.terms:  # a key term is never rewritten into another
            forms.pop(term, None)
        self._initials = InitialsReader(
            {form: terms for form, terms in candidates.items() if forms.get(form, Variant("", "")).kind != "alias"},
            listed,
            self.terms,
            LATIN_WORDS,
            groups,
        )
        self._forms = [forms[f] for f in forms]
        self._spelled = ahocorasick_rs.AhoCorasick(list(forms), matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)
        ids = syllable_table()[1]
        self._sounds = {}
        for term in sorted(self.terms):
            if len(term) == 2 and term not in listed:
                continue  # two-character sound-alikes are too often real words (单次/单词): listed ones only
            syllables = [ids.get(s) for s in readings[term]]
            if len(syllables) == len(term) and all(syllables):
                self._sounds.setdefault("".join(chr(SYLLABLE_BASE + s) for s in syllables), term)  # type: ignore[operator]
        self._sound_terms = list(self._sounds.values())
        self._homophones = ahocorasick_rs.AhoCorasick(list(self._sounds))
        self._written_terms = ahocorasick_rs.AhoCorasick(sorted(self.terms))

    @cached_property
    def _words(self) -> dict[str, int]:
        return jieba_loaded().dt.FREQ  # loaded only once a homophone candidate is seen

    def _is_word(self, text: str, least: int = MIN_WORD_FREQ) -> bool:
        return self._words.get(text, 0) >= least

    def _crossed(self, text: str, start: int, end: int, present: Spans, beside: Spans) -> bool:
        """Whether a common word of 2-4 characters straddles either edge of [start, end).

        A word that reaches into a key term already in the text does not count: in 找属学家教,
        学家 is an accident of 家教 following. Nor does one that reaches into another sound-alike
        right beside this one (``beside``: stretches that sound like a key term and are no word):
        in 以对一副导 (一对一辅导), 一副 is made of the two evasions.
        """
        for edge in (start, end):
            for left in range(max(0, edge - 3), edge):
                for right in range(edge + 1, min(len(text), left + 4) + 1):
                    outside = (left, start) if left < start else (end, right)
                    if present.overlapping(*outside):
                        continue
                    if any(s == end or e == start for s, e in beside.overlapping(*outside)):
                        continue
                    if self._is_word(text[left:right], CROSSING_WORD_FREQ):
                        return True
        return False

    def _holds_term(self, written: str, term: str) -> bool:
        """Whether a key term already in ``written`` covers every character it shares with ``term``.

        Then the sound-alike only adds a letter to a term the text already has (诚聘家教 is 聘 +
        家教, not 拼家教); 主家阿姨 still becomes 住家阿姨, since 阿姨 leaves 家 uncovered.
        """
        kept = {i for i, (a, b) in enumerate(zip(written, term, strict=True)) if a == b}
        return any(
            written[i:j] in self.terms and kept <= set(range(i, j))
            for i in range(len(written) - 1)
            for j in range(i + 2, len(written) + 1)
        )

    @staticmethod
    def _apart(text: str, start: int, end: int) -> bool:
        """Spelled-out letters must not run on into other letters or digits."""
        before, after = neighbours(text, start, end)
        form = text[start:end]
        return not (
            (form[0].isascii() and form[0].isalnum() and before.isascii() and before.isalnum())
            or (form[-1].isascii() and form[-1].isalnum() and after.isascii() and after.isalnum())
        )

    @staticmethod
    def _before_number(text: str, start: int, end: int, variant: Variant) -> bool:
        """Initials between Chinese and a number (同步ts30分, 月薪yx3000 written 月yx3000): a word before its figure."""
        before, after = neighbours(text, start, end)
        return (
            variant.kind == "initials"
            and text[start:end].isalpha()
            and "\u4e00" <= before <= "\u9fff"
            and after.isdigit()
        )

    def _accepted(self, text: str, lines: Lines, index: int, start: int, end: int) -> str | None:
        """The term a spelled form found at [start, end) stands for, or None where it is not an evasion."""
        variant = self._forms[index]
        if not self._apart(text, start, end) and not self._before_number(text, start, end, variant):
            return None
        if variant.kind == "initials" and end - start == 2:  # two letters: only right next to Chinese
            before, after = neighbours(text, start, end)
            if before.isascii() and after.isascii():
                return None
        if variant.kind == "initials" and text[start:end] in self._initials.candidates:
            # yx衔接: 幼小衔接, not 研学
            return self._initials.pick(text, start, end, text[start:end], lines.around(start, end))
        return variant.term

    def _spelled_matches(self, text: str) -> list[tuple[int, int, str]]:
        found = []
        pending = self._spelled.find_matches_as_indexes(text)[::-1]
        rescans = MAX_RESCANS
        lines = Lines(text)
        while pending:
            index, start, end = pending.pop()
            term = self._accepted(text, lines, index, start, end)
            if term is not None:
                found.append((start, end, term))
            elif rescans and not text[start:end].isascii():
                # A rejected form that holds a character (育x of 育儿 in 育xue员) hid the forms starting inside it.
                rescans -= 1
                window = text[start + 1 : end + RESCAN_REACH]
                inside = self._spelled.find_matches_as_indexes(window)
                pending += [(i, start + 1 + s, start + 1 + e) for i, s, e in inside[::-1] if start + 1 + s < end]
        kept: list[tuple[int, int, str]] = []
        for start, end, term in sorted(found):  # a form found by a rescan may reach into the next one found
            if not kept or start >= kept[-1][1]:
                kept.append((start, end, term))
        return sorted(kept + self._initials.find(text, kept, lines))

    def _homophone_matches(self, text: str) -> list[tuple[int, int, str]]:
        """Stretches that sound like a key term but are written otherwise; longest first, no overlaps."""
        table, _ = syllable_table()
        points = np.frombuffer(text.encode("utf-32-le", errors="surrogatepass"), dtype=np.uint32)
        sounds = (table[points] + SYLLABLE_BASE).tobytes().decode("utf-32-le")
        candidates = []
        for index, start, end in self._homophones.find_matches_as_indexes(sounds, overlapping=True):
            term, written = self._sound_terms[index], text[start:end]  # most are the key term as written
            near = written != term and sum(a != b for a, b in zip(written, term, strict=True)) <= max(1, len(term) // 2)
            if near and not self._is_word(written):  # a word as written (无理, not 物理) is never rewritten
                candidates.append((end - start, start, end, term, written))
        if not candidates:
            return []
        present = Spans((s, e) for _, s, e in self._written_terms.find_matches_as_indexes(text, overlapping=True))
        beside = Spans({(start, end) for _, start, end, _, _ in candidates})
        taken: list[tuple[int, int, str]] = []
        occupied = bytearray(len(text))  # characters already rewritten by a longer (or earlier) homophone
        for _, start, end, term, written in sorted(candidates, key=lambda c: (-c[0], c[1])):
            if any(not (start <= s and e <= end) for s, e in present.overlapping(start, end)):
                continue  # rewriting would break a key term the text already has (家午托: 午托)
            if any(occupied[start:end]) or self._holds_term(written, term):
                continue
            if self._crossed(text, start, end, present, beside) or _counted(text, start):
                continue
            taken.append((start, end, term))
            occupied[start:end] = b"\x01" * (end - start)
        return sorted(taken)

    @staticmethod
    def _rewrite(norm: Normalized, found: list[tuple[int, int, str]]) -> Normalized:
        pieces, starts, ends = [], [], []
        at = 0
        for start, end, term in found:
            pieces += [norm.text[at:start], term]
            starts += [norm.starts[at:start], np.full(len(term), norm.starts[start])]
            ends += [norm.ends[at:start], np.full(len(term), norm.ends[end - 1])]
            at = end
        pieces.append(norm.text[at:])
        starts.append(norm.starts[at:])
        ends.append(norm.ends[at:])
        return Normalized("".join(pieces), np.concatenate(starts), np.concatenate(ends))

    def apply(self, norm: Normalized) -> Normalized:
        found = self._spelled_matches(norm.text)
        if found:
            norm = self._rewrite(norm, found)
        found = self._homophone_matches(norm.text)
        return self._rewrite(norm, found) if found else norm
