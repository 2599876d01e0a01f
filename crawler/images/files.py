"""Pictures given to ``scan`` as files: their bytes (bounded), or why they cannot be read."""

from __future__ import annotations

from pathlib import Path

from crawler.images.reading import OCR_SETTINGS, Picture

__all__ = ["Picture", "image_file"]


def image_file(name: str) -> Picture:
    """A file's bytes, at most one more than the OCR reads (so it says "too many bytes"), or a fault line.

    Image URLs are refused here: fetching belongs to the crawl (``tutorwatch check URL`` reads a
    page's pictures with Scrapy's politeness and robots rules); ``scan`` never opens a connection.
    """
    if name.startswith(("http://", "https://")):
        return "image URLs are not fetched by scan: use `tutorwatch check URL` for a page's pictures"
    try:
        with Path(name).open("rb") as handle:
            return handle.read(OCR_SETTINGS.max_bytes + 1)
    except OSError as exc:
        return f"cannot read image file: {exc.strerror or exc}"
