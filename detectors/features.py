"""The classifier's features for a batch of texts at once: sublinear TF-IDF rows, L2-normed per block.

The same numbers scikit-learn's TfidfVectorizer gives (tests/test_classifier.py holds them to
it), computed for a whole batch with a handful of numpy operations instead of a dictionary
lookup per n-gram. A character n-gram (n ≤ 4) is packed into one 64-bit key, 16 bits a
character; the characters are numbered by the vocabulary, so a gram holding a character no
vocabulary gram has cannot be in it and is dropped before the lookup; the lookup is a binary
search in the vocabulary's sorted keys. Word blocks (jieba) stay a lookup per token: jieba's
segmentation costs far more than the lookup.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

Rows = tuple[np.ndarray, np.ndarray, np.ndarray]  # document index, column, value (sorted by document, column)
WHITESPACE = re.compile(r"\s\s+")
BITS = 16
MAX_CHARS = 4


def squeeze(text: str) -> str:
    """Lower case, every run of whitespace one space, none at the ends: a whitespace-only edit changes no feature.

    The character block's preprocessor when the model is fitted (``TfidfVectorizer(preprocessor=squeeze)``).
    """
    return " ".join(text.lower().split())


def sklearn_default(text: str) -> str:
    """What scikit-learn's char analyzer does by default: lower case, runs of two or more whitespace squeezed."""
    return WHITESPACE.sub(" ", text.lower())


PREPROCESSORS = {"squeeze": squeeze, "sklearn": sklearn_default}  # a block's "preprocess" (absent: "sklearn")


def char_ngrams(text: str, low: int, high: int, preprocess: Callable[[str], str] = squeeze) -> list[str]:
    """Character n-grams as scikit-learn's ``analyzer="char"`` makes them after ``preprocess``."""
    text = preprocess(text)
    return [text[i : i + n] for n in range(low, high + 1) for i in range(len(text) - n + 1)]


def _tfidf(docs: np.ndarray, columns: np.ndarray, width: int, idf: np.ndarray, count: int) -> Rows:
    """Sublinear TF-IDF rows, (1 + log tf) · idf L2-normed per document, from a (doc, column) pair per occurrence."""
    cells, tf = np.unique(docs.astype(np.int64) * width + columns, return_counts=True)
    docs, columns = cells // width, cells % width
    values = (1.0 + np.log(tf)) * idf[columns]
    norms = np.sqrt(np.bincount(docs, weights=values * values, minlength=count))
    return docs, columns, values / norms[docs]


class CharBlock:
    """Character n-grams of one vocabulary, cut and looked up for a whole batch at once."""

    def __init__(
        self, vocabulary: dict[str, int], ngrams: Sequence[int], idf: np.ndarray, preprocess: str = "sklearn"
    ) -> None:
        self.preprocess = PREPROCESSORS[preprocess]
        self.low, self.high = ngrams
        if self.high > MAX_CHARS:
            raise ValueError(f"character n-grams up to {MAX_CHARS} are packed into 64 bits, not {self.high}")
        self.idf = idf
        self.width = len(vocabulary)
        chars = sorted({c for gram in vocabulary for c in gram})
        if len(chars) >= 1 << BITS:
            raise ValueError("too many distinct characters in the vocabulary")
        self.char_ids = {ord(c): i for i, c in enumerate(chars, start=1)}  # 0: a character no gram has
        self.table = np.zeros(0x110000, dtype=np.uint16)  # code point → its number (2 MB, built once)
        self.table[list(self.char_ids)] = list(self.char_ids.values())
        grams = list(vocabulary)
        keys = np.array([self._key(gram) for gram in grams], dtype=np.uint64)
        order = np.argsort(keys)
        self.keys = keys[order]
        self.columns = np.array([vocabulary[gram] for gram in grams], dtype=np.int64)[order]

    def _key(self, gram: str) -> int:
        return sum(self.char_ids[ord(c)] << (BITS * k) for k, c in enumerate(gram))

    def rows(self, texts: Sequence[str]) -> Rows:
        texts = [self.preprocess(text) for text in texts]
        joined = "".join(texts)
        points = np.frombuffer(joined.encode("utf-32-le", errors="surrogatepass"), dtype=np.uint32)
        ids = self.table[points].astype(np.uint64)
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        owner = np.repeat(np.arange(len(texts)), lengths)
        room = np.repeat(np.cumsum(lengths), lengths) - np.arange(len(ids))  # characters left in its text
        unknown = np.concatenate(([0], np.cumsum(ids == 0)))
        docs, columns = [], []
        for n in range(self.low, self.high + 1):
            starts = np.flatnonzero(room >= n)
            starts = starts[unknown[starts + n] == unknown[starts]]  # every character known to the vocabulary
            key = np.zeros(len(starts), dtype=np.uint64)
            for k in range(n):
                key |= ids[starts + k] << np.uint64(BITS * k)
            at = np.minimum(np.searchsorted(self.keys, key), len(self.keys) - 1)
            found = self.keys[at] == key
            docs.append(owner[starts[found]])
            columns.append(self.columns[at[found]])
        return _tfidf(np.concatenate(docs), np.concatenate(columns), self.width, self.idf, len(texts))


class TokenBlock:
    """Word n-grams of a tokenizer (jieba), looked up token by token."""

    def __init__(
        self, vocabulary: dict[str, int], ngrams: Sequence[int], idf: np.ndarray, tokens: Callable[[str], list[str]]
    ) -> None:
        self.vocabulary, (self.low, self.high), self.idf, self.tokens = vocabulary, ngrams, idf, tokens
        self.width = len(vocabulary)

    def rows(self, texts: Sequence[str]) -> Rows:
        docs, columns = [], []
        for number, text in enumerate(texts):
            tokens = self.tokens(text)
            for n in range(self.low, self.high + 1):
                for i in range(len(tokens) - n + 1):
                    column = self.vocabulary.get(" ".join(tokens[i : i + n]))
                    if column is not None:
                        docs.append(number)
                        columns.append(column)
        found = np.array(docs, dtype=np.int64), np.array(columns, dtype=np.int64)
        return _tfidf(*found, self.width, self.idf, len(texts))


def block(spec: dict[str, Any], tokens: Callable[[str], list[str]]) -> CharBlock | TokenBlock:
    """The feature block of a model's ``{"analyzer", "ngrams", "vocabulary", "idf"}``."""
    if spec["analyzer"] == "chars":
        return CharBlock(spec["vocabulary"], spec["ngrams"], spec["idf"], spec.get("preprocess", "sklearn"))
    return TokenBlock(spec["vocabulary"], spec["ngrams"], spec["idf"], tokens)
