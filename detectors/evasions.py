"""The evasions advertisers use, as transforms of a key word: for the robustness measurement.

Each transform rewrites one key word the way an advertiser would to get past a filter. The
robustness check (``robustness``) takes listings the detectors catch in plain form, disguises
every piece of evidence they were caught by with one evasion, and counts how many are still
flagged. The transforms know nothing of how the detectors undo them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cache

import ahocorasick_rs
import opencc
from pypinyin import lazy_pinyin
from pypinyin.pinyin_dict import pinyin_dict

from detectors.catalogue import Catalogue
from detectors.deobfuscate import toneless
from detectors.engine import Engine
from detectors.models import Document
from detectors.rule_detector import merge_spans
from detectors.segmenter import jieba_loaded


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


@cache
def homophone_index() -> dict[str, set[str]]:
    """Toneless pinyin → the common characters that can be read so."""
    index: dict[str, set[str]] = {}
    for char in _common_chars():
        for reading in pinyin_dict.get(ord(char), "").split(","):
            if reading:
                index.setdefault(toneless(reading), set()).add(char)
    return index


def _first_reading(char: str) -> str:
    return toneless(pinyin_dict.get(ord(char), "").split(",")[0])


CIRCLED = dict(zip("一二三四五六七八九十123456789", "①②③④⑤⑥⑦⑧⑨⑩①②③④⑤⑥⑦⑧⑨", strict=True))


def _is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


@cache
def _s2t() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


@cache
def _common_homophone(char: str) -> str:
    """The most frequent other character read like ``char`` (by jieba's counts), or ``char``."""
    frequency = jieba_loaded().dt.FREQ
    reading = lazy_pinyin(char)[0]
    others = [c for c in homophone_index().get(reading, ()) if c != char and _first_reading(c) == reading]
    return max(others, key=lambda c: (frequency.get(c, 0), c)) if others else char


def _first_cjk(word: str, change: Callable[[str], str]) -> str:
    for index, char in enumerate(word):
        if _is_cjk(char):
            return word[:index] + change(char) + word[index + 1 :]
    return word


def _initials(word: str) -> str:
    """The first word of two or more Chinese characters (by jieba) written as its initials."""
    at = 0
    for token in jieba_loaded().lcut(word):
        if len(token) >= 2 and all(_is_cjk(c) for c in token):
            return word[:at] + "".join(s[0] for s in lazy_pinyin(token)) + word[at + len(token) :]
        at += len(token)
    return word


def _emoji_between(word: str) -> str:
    """An emoji between characters, keeping a spelled-out syllable in one piece (yi🔥對🔥一)."""
    units = re.findall(r"[a-z]+|.", word)
    return "🔥".join(units)


EVASIONS: dict[str, Callable[[str], str]] = {
    "繁体": lambda w: _s2t().convert(w),
    "full width": lambda w: "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in w),
    "spaces": " ".join,
    "symbols": "·".join,
    "emoji": "🔥".join,
    "circled numerals": lambda w: "".join(CIRCLED.get(c, c) for c in w),
    "one character as pinyin": lambda w: _first_cjk(w, lambda c: lazy_pinyin(c)[0]),
    "initials": _initials,
    "homophone": lambda w: _first_cjk(w, _common_homophone),
    "all mixed": lambda w: _emoji_between(_first_cjk(_s2t().convert(w), lambda c: lazy_pinyin(c)[0])),
}


def disguise(
    title: str, text: str, pieces: Iterable[tuple[int, int]], evasion: Callable[[str], str]
) -> tuple[str, str]:
    """Title and text with every piece (offsets into title + "\\n" + text) rewritten."""
    full = f"{title}\n{text}"
    for start, end in sorted(set(pieces), reverse=True):
        full = full[:start] + evasion(full[start:end]) + full[end:]
    new_title, _, new_text = full.partition("\n")
    return new_title, new_text


def key_words(
    text: str, pieces: Iterable[tuple[int, int]], automaton: ahocorasick_rs.AhoCorasick
) -> list[tuple[int, int]]:
    """Where the rule lexicons' Chinese terms (2+ characters) stand inside the evidence pieces.

    These are the words an advertiser would disguise; the rest of the evidence (ages, grades
    found by pattern) is context.
    """
    found = []
    for start, end in pieces:
        for _, s, e in automaton.find_matches_as_indexes(text[start:end]):
            found.append((start + s, start + e))
    return found


def key_term_automaton(catalogue: Catalogue) -> ahocorasick_rs.AhoCorasick:
    """The lexicons' Chinese terms of two or more characters: the words an advertiser would disguise."""
    terms = {t for lexicon in catalogue.lexicons.values() for t in lexicon}
    keys = sorted(t for t in terms if len(t) >= 2 and all(_is_cjk(c) for c in t))
    return ahocorasick_rs.AhoCorasick(keys, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)


def robustness(listings: list[tuple[str, str, str | None]], engine: Engine) -> dict[str, tuple[int, int]]:
    """Per evasion: (still flagged, caught in plain form and holding a key word) over the listings."""
    caught = []
    automaton = key_term_automaton(engine.catalogue)
    analyses = engine.analyze_many(Document(title, text, platform) for title, text, platform in listings)
    for (title, text, platform), analysis in zip(listings, analyses, strict=True):
        if analysis.flagged:
            full = f"{title}\n{text}"
            pieces = merge_spans([(s.start, s.end) for f in analysis.findings for s in f.spans])
            words = [(s, e) for s, e in key_words(full, pieces, automaton) if "\n" not in full[s:e]]
            if words:
                caught.append((title, text, platform, words))
    results = {}
    for name, evasion in EVASIONS.items():
        disguised = (Document(*disguise(t, x, w, evasion), pl) for t, x, pl, w in caught)
        kept = sum(analysis.flagged for analysis in engine.analyze_many(disguised))
        results[name] = (kept, len(caught))
    return results


def format_robustness(results: dict[str, tuple[int, int]]) -> str:
    lines = ["| evasion of every key word | still flagged | share |", "|---|---|---|"]
    for name, (kept, total) in results.items():
        lines.append(f"| {name} | {kept} of {total} | {kept / max(total, 1):.2f} |")
    return "\n".join(lines)
