"""Text files edited by hand on Chinese Windows: UTF-8 (BOM or not), else GBK/GB18030 as Excel, WPS and Notepad save."""

from __future__ import annotations

import codecs
from pathlib import Path

ENCODINGS = ("utf-8-sig", "gb18030")  # in this order: GB18030 (⊃ GBK) decodes almost any bytes
CHUNK = 1024 * 1024


def decode_hand_edited(data: bytes) -> str | None:
    """The text of ``data`` in the first encoding that fits (UTF-8, then GB18030 ⊃ GBK); None if neither."""
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def hand_edited_encoding(path: Path) -> str | None:
    """The first encoding the whole file at ``path`` decodes in, read in chunks (never whole); None if neither."""
    for encoding in ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as handle:
                while chunk := handle.read(CHUNK):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    return None
