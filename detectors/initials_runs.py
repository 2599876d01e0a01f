"""Key terms written as pinyin initials, run together or read by their neighbours.

Advertisers abbreviate one word after another with no break: 中小学网课教师招聘 as zxxwkjszp,
英语家教 as yyjj, 一对一辅导 as ydyfd. A scan for one term's initials cannot see where such a run
is cut, and initials are ambiguous (yx: 预习, 研学, 幼小, 月薪). ``InitialsReader`` cuts a whole
run of Latin letters into the initials (or full pinyin) of key terms, by the fewest pieces, and
picks each piece's term by what stands next to it:

- a term that makes a longer key term with the Chinese characters beside it wins (yx衔接 is
  幼小衔接, not 研学衔接);
- otherwise, among the deciding terms it spells (rules/obfuscation/sound_alike.txt; all when
  none is), the one whose company is on the line: the terms that share a lexicon with it (bm
  beside 课程, 学费, 退费 is 报名; beside 住家, 做饭, 阿姨 it is 保姆; tg beside 成绩, 承诺 is
  提高, beside 午托, 接送 托管), counted once each;
- at a tie, the first of them in the file's order.

A run is rewritten only when every letter of it belongs to a piece, it has at least two pieces
and one of them is a deciding term: an English word (python, scratch) rarely cuts into the
initials of two key terms with a deciding one among them, and the clean listings of both corpora
check it (docs/detection.md).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping

import ahocorasick_rs

LATIN_GROUP = re.compile(r"(?<![a-z0-9])[a-z]{2,24}(?: [a-z]{2,24})*(?![a-z0-9])")
LATIN_TOKEN = re.compile(r"[a-z]+")
LINE_BREAK = re.compile("\n")
NEAR = 4  # characters around a lone piece of initials searched for a deciding term
LONGEST_PIECE = 12  # full pinyin of a 2-character term (zhuangyuan); initials are 2-4 letters
SPILL = 3  # Chinese characters beside a piece read to find a longer key term it belongs to


class Lines:
    """Where the lines of one text begin and end, found once: searching for the line breaks around every
    piece read a whole line each time, O(n²) on a megabyte listing written as one line."""

    def __init__(self, text: str) -> None:
        self.size = len(text)
        self.breaks = [match.start() for match in LINE_BREAK.finditer(text)]

    def around(self, start: int, end: int) -> tuple[int, int]:
        """Where the line holding ``text[start:end]`` begins and ends (a line break ends a text of a batch)."""
        before, after = bisect_left(self.breaks, start), bisect_left(self.breaks, end)
        return (self.breaks[before - 1] + 1 if before else 0), (
            self.breaks[after] if after < len(self.breaks) else self.size
        )


class InitialsReader:
    """Built once per catalogue from each spelled form's candidate terms, preferred first."""

    def __init__(
        self,
        candidates: Mapping[str, list[str]],
        deciding: Iterable[str],
        terms: Iterable[str],
        stop: Iterable[str],
        groups: Iterable[Iterable[str]] = (),
    ) -> None:
        self.candidates = {form: list(ts) for form, ts in candidates.items() if 2 <= len(form) <= LONGEST_PIECE}
        self.deciding = frozenset(deciding)
        self.terms = frozenset(terms)
        self.stop = frozenset(stop)  # Latin words and slang that are not initials (qq, yyds)
        spelled = {term for ts in self.candidates.values() for term in ts}
        company: dict[str, set[str]] = {}
        for group in groups:  # the lexicons: terms of one meaning
            members = set(group)
            for term in members & spelled:
                company.setdefault(term, set()).update(members - {term})
        self.company = {term: frozenset(mates) for term, mates in company.items()}
        mates = sorted({mate for ms in self.company.values() for mate in ms})
        self._mates = ahocorasick_rs.AhoCorasick(mates) if mates else None
        self._seen: tuple[str, tuple[int, int], frozenset[str]] | None = None  # the last line's terms

    def pick(self, text: str, start: int, end: int, form: str, line: tuple[int, int], also: Iterable[str] = ()) -> str:
        """The term ``form`` spells that makes a key term with the Chinese beside it (same line), else the one whose
        company is on the line (``also``: terms its run's other pieces stand for), else its first."""
        candidates = self.candidates[form]
        before = text[max(line[0], start - SPILL) : start]
        after = text[end : min(line[1], end + SPILL)]
        for term in candidates:
            for cut in range(len(after), 0, -1):
                if term + after[:cut] in self.terms:
                    return term
            for cut in range(len(before)):
                if before[cut:] + term in self.terms:
                    return term
        # the words that decide come first: company chooses among them (sx stays 数学, never 私信)
        rivals = [term for term in candidates if term in self.deciding] or candidates
        if len(rivals) == 1 or self._mates is None:
            return rivals[0]
        present = self._present(text, line) | frozenset(also)
        others = set(candidates)
        counts = [len((self.company.get(term, frozenset()) - others) & present) for term in rivals]
        return rivals[max(range(len(rivals)), key=lambda i: (counts[i], -i))]

    def _present(self, text: str, line: tuple[int, int]) -> frozenset[str]:
        """The lexicon terms written on one line of ``text`` (the last line asked is kept: a run asks it again)."""
        seen = self._seen
        if seen is not None and seen[0] is text and seen[1] == line:
            return seen[2]
        assert self._mates is not None
        found = frozenset(self._mates.find_matches_as_strings(text[line[0] : line[1]], overlapping=True))
        self._seen = (text, line, found)
        return found

    def _cut(self, run: str) -> list[str] | None:
        """The run as the fewest known pieces (ties: more deciding terms among the first candidates)."""
        best: list[tuple[int, int, int] | None] = [None] * (len(run) + 1)  # (pieces, -deciding, previous cut)
        best[0] = (0, 0, 0)
        for end in range(2, len(run) + 1):
            for start in range(max(0, end - LONGEST_PIECE), end - 1):
                here, piece = best[start], run[start:end]
                if here is None or piece not in self.candidates:
                    continue
                score = (here[0] + 1, here[1] - (self.candidates[piece][0] in self.deciding), start)
                if best[end] is None or score[:2] < best[end][:2]:  # type: ignore[index]
                    best[end] = score
        if best[-1] is None:
            return None
        pieces, at = [], len(run)
        while at:
            previous = best[at][2]  # type: ignore[index]
            pieces.append(run[previous:at])
            at = previous
        return pieces[::-1]

    def find(
        self,
        text: str,
        spelled: list[tuple[int, int, str]] = (),  # type: ignore[assignment]
        lines: Lines | None = None,
    ) -> list[tuple[int, int, str]]:
        """(start, end, term) for the pieces of initials in folded ``text`` that ``spelled`` did not undo.

        A group is a run of letters or several runs apart by single spaces (yw zw); it is read
        when its pieces are two or more with a deciding term among them (spelled ones beside it
        count), or one deciding piece with another deciding term within a few characters (sx 1对1).
        ``spelled`` is sorted and without overlaps, so the forms near a group are found by
        bisection: a megabyte of evasions costs O(n log n), not O(n²).
        """
        groups = list(LATIN_GROUP.finditer(text))
        if not groups:
            return []
        found = []
        starts = [s for s, _, _ in spelled]
        ends = [e for _, e, _ in spelled]

        def near(start: int, end: int) -> list[tuple[int, int, str]]:
            return spelled[bisect_right(ends, start) : bisect_left(starts, end)]

        lines = lines or Lines(text)  # the caller's, when it read the same text's lines already
        for group in groups:
            # what is read beside a group stays on its line: a batch of texts is folded joined by line
            # breaks (detectors/folding.py), and each must fold as it would alone
            line = lines.around(group.start(), group.end())
            pieces, decided = [], [t for _, _, t in near(group.start(), group.end())]
            for token in LATIN_TOKEN.finditer(group.group()):
                start, end = group.start() + token.start(), group.start() + token.end()
                cut = None if near(start, end) or token.group() in self.stop else self._cut(token.group())
                for piece in cut or ():
                    also = [t for _, _, t in pieces] + decided + [c for p in cut for c in self.candidates[p][:1]]
                    term = self.pick(text, start, start + len(piece), piece, line, also)
                    pieces.append((start, start + len(piece), term))
                    start += len(piece)
            terms = [t for _, _, t in pieces] + decided
            if not pieces or not any(t in self.deciding for t in terms):
                continue
            if len(terms) >= 2:
                found += pieces
                continue
            around = (max(line[0], group.start() - NEAR), min(line[1], group.end() + NEAR))  # a lone pair: sx 1对1
            window = text[around[0] : around[1]]
            nearby = near(*around)
            if any(term in window for term in self.deciding) or any(t in self.deciding for _, _, t in nearby):
                found += pieces
        return found
