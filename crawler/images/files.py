"""Pictures given to ``scan`` as files: their bytes (bounded), or why they cannot be read."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from crawler.images.reading import OCR_SETTINGS, Picture

__all__ = ["Picture", "SavedPicture", "image_file", "is_url"]


def is_url(name: str) -> bool:
    """An image named by URL (fetched by crawler/spiders/picture_spider.py), not a file."""
    return name.startswith(("http://", "https://"))


def image_file(name: str) -> Picture:
    """A file's bytes, at most one more than the OCR reads (so it says "too many bytes"), or a fault line."""
    try:
        with Path(name).open("rb") as handle:
            return handle.read(OCR_SETTINGS.max_bytes + 1)
    except OSError as exc:
        return f"cannot read image file: {exc.strerror or exc}"


@dataclass(frozen=True)
class SavedPicture:
    """One URL's picture: the file holding its bytes, or the fault, or the SHA-256 a 304 kept."""

    path: Path | None
    fault: str = ""
    unchanged: str = ""
    validators: tuple[str, str] = ("", "")  # ETag, Last-Modified, stored with the picture's text
