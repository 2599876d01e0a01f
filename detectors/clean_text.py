"""What text from outside may hold once inside TutorWatch: one definition, applied where text enters.

Python strings can hold characters that no writer accepts or no reader should see: lone
surrogates (JSON ``"\\ud800"``, a page's ``&#xD800;``) that UTF-8 cannot encode, so SQLite, the
CSV files and a JSON line on stdout fail on one; non-characters (U+FFFE, U+FFFF, U+FDD0–U+FDEF
and the last two code points of every plane) and C0/C1 control characters, which XML 1.0, so
openpyxl, so leads.xlsx, refuses; and ESC/CSI/OSC sequences that would clear or rewrite an
investigator's terminal. Each becomes U+FFFD, one character for one, so every offset into the
text stays where it was; a carriage return becomes a space (Windows line ends stay readable).
Tab and line feed stay. Text is cleaned once where it enters (a Listing, ``scan`` input, a
review file's notes); writers and terminal output apply the same function again, defensively,
to whatever an older store may still hold.
"""

from __future__ import annotations

import re

REPLACEMENT = "\ufffd"
_PLANE_ENDS = "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17))
UNWRITABLE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef{_PLANE_ENDS}]")
SURROGATE = re.compile("[\ud800-\udfff]")


def _replacement(match: re.Match[str]) -> str:
    return " " if match.group() == "\r" else REPLACEMENT


def clean_text(text: str) -> str:
    """``text`` with every character no writer may hold replaced (U+FFFD; CR by a space); the same length."""
    if UNWRITABLE.search(text) is None:
        return text
    return UNWRITABLE.sub(_replacement, text)
