"""Folding and de-obfuscation of many texts at once, each text's offset map kept exact.

Folding is a handful of numpy operations and de-obfuscation two Aho-Corasick scans; run per
listing, their fixed cost (≈ 45 µs) outweighs the work on a 200-character listing. So a batch
is joined with line breaks, folded and de-obfuscated as one text, and cut back into one
``Normalized`` per text. A line break is kept by folding, separates nothing a rule could join
(no term, evasion or sound-alike spans one) and counts as the end of a text for the separator
and word-edge checks, so every text folds exactly as it would alone (tests/test_engine.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from detectors.deobfuscate import Deobfuscator
from detectors.normalize import Normalized, normalize

JOIN = "\n"


class Folder:
    """NFKC, 繁→简, separators and evasions: the one folding every detector reads."""

    def __init__(self, deobfuscator: Deobfuscator) -> None:
        self.deobfuscator = deobfuscator

    def fold(self, text: str) -> Normalized:
        return self.deobfuscator.apply(normalize(text))

    def fold_many(self, texts: Sequence[str]) -> list[Normalized]:
        return self.fold_parts(texts, [() for _ in texts])[0]

    def fold_parts(
        self, texts: Sequence[str], edges: Sequence[Sequence[int]]
    ) -> tuple[list[Normalized], list[list[int]]]:
        """Each text folded, and its ``edges`` (offsets in it) as offsets in its folded text.

        An edge maps to the first folded character that comes from at or after it (``searchsorted``
        on the text's offset map): one numpy call for the batch, not one per text (``Reading.bounds``).
        """
        if len(texts) <= 1:
            folded = [self.fold(text) for text in texts]
            return folded, [np.searchsorted(n.starts, list(e)).tolist() for n, e in zip(folded, edges, strict=True)]
        whole = self.fold(JOIN.join(texts))
        lengths = np.fromiter((len(text) for text in texts), dtype=np.int64, count=len(texts))
        starts = np.concatenate(([0], np.cumsum(lengths + 1)[:-1]))  # where each text begins in the joined one
        counts = [len(e) for e in edges]
        wanted = np.fromiter((q for e in edges for q in e), dtype=np.int64, count=sum(counts))
        wanted += np.repeat(starts, counts)
        found = np.searchsorted(whole.starts, np.concatenate((starts, starts + lengths, wanted))).tolist()
        count = len(texts)
        firsts, lasts, mapped = found[:count], found[count : 2 * count], found[2 * count :]
        out, places, at = [], [], 0
        for begin, first, last, many in zip(starts.tolist(), firsts, lasts, counts, strict=True):
            out.append(
                Normalized(whole.text[first:last], whole.starts[first:last] - begin, whole.ends[first:last] - begin)
            )
            places.append([q - first for q in mapped[at : at + many]])
            at += many
        return out, places
