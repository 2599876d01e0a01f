"""Lone surrogates (U+D800–U+DFFF) out of text that came from outside, before anything stores or prints it.

Python strings can hold them (JSON ``"\\ud800"``, a page's ``&#xD800;``), but UTF-8 cannot:
SQLite, the CSV and XLSX writers and a JSON line on stdout would all fail on one. Each becomes
U+FFFD, one character for one, so every offset into the text stays where it was. The detectors
themselves never need this (folding drops them as invisible); it guards the places text leaves.
"""

from __future__ import annotations

import re

SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def replace_surrogates(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD; the same length."""
    return SURROGATE.sub(REPLACEMENT, text)
