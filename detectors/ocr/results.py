"""What reading one image gives: lines with boxes, or a clear reason it was skipped or failed."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

Point = tuple[int, int]


class Problem(StrEnum):
    """Why an image gave no text; ``skipped`` ones are normal, the others are faults to count."""

    TOO_SMALL = "too_small"  # skipped: an icon or spacer under OcrSettings.min_side
    TOO_MANY_BYTES = "too_many_bytes"  # failed: the file is over OcrSettings.max_bytes
    TOO_MANY_PIXELS = "too_many_pixels"  # failed: declared size over OcrSettings.max_pixels (pixel bomb)
    NOT_AN_IMAGE = "not_an_image"  # failed: no allowed decoder recognises the bytes (HTML, SVG, text, ...)
    TRUNCATED = "truncated"  # failed: the data ends before the image does
    MALFORMED = "malformed"  # failed: a decoder refused the data
    OCR_FAILED = "ocr_failed"  # failed: the engine raised on a decoded image

    @property
    def skipped(self) -> bool:
        return self is Problem.TOO_SMALL


@dataclass(frozen=True)
class TextLine:
    """One recognised line: its text, the engine's confidence (0-1) and its box in the image.

    ``box`` is four (x, y) pixel points of the original image, clockwise from the top left of
    the text as written, so a rotated line has a rotated box.
    """

    text: str
    confidence: float
    box: tuple[Point, Point, Point, Point]


@dataclass(frozen=True)
class ImageText:
    """The outcome of reading one image; ``problem`` is None when it was read (even with no text)."""

    sha256: str  # of the bytes as given: the cache key for "read once per store, ever"
    lines: tuple[TextLine, ...] = ()
    problem: Problem | None = None
    detail: str = ""  # one line for the night's report: the decoder's message, the size refused
    width: int = 0
    height: int = 0
    format: str = ""  # Pillow's name of the decoder that read it (PNG, JPEG, GIF, ...)
    animated: bool = False  # an animated image (GIF, WebP) is read on its first frame only
    cut: bool = False  # a very long image was read only down to OcrSettings.max_slices slices

    @property
    def status(self) -> str:
        """read, skipped or failed: the three counts of the night's report."""
        if self.problem is None:
            return "read"
        return "skipped" if self.problem.skipped else "failed"

    @property
    def text(self) -> str:
        """The lines in reading order, one per line."""
        return "\n".join(line.text for line in self.lines)
