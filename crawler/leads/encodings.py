"""Text files edited by hand on Chinese Windows: UTF-8 (BOM or not), else GBK/GB18030 as Excel, WPS and Notepad save."""

from __future__ import annotations


def decode_hand_edited(data: bytes) -> str | None:
    """The text of ``data`` in the first encoding that fits (UTF-8, then GB18030 ⊃ GBK); None if neither."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None
