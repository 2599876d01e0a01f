"""read_image_text(): one image's bytes → its lines in reading order, or the reason it gave none."""

from __future__ import annotations

import hashlib

import numpy as np

from detectors.ocr.decoding import Decoded, decode_image
from detectors.ocr.engines import OcrEngine, engine_for
from detectors.ocr.results import ImageText, Problem, TextLine
from detectors.ocr.settings import OcrSettings


def read_image_text(data: bytes, settings: OcrSettings | None = None, engine: OcrEngine | None = None) -> ImageText:
    """Read the text of one image. Never raises on bad bytes: a problem is returned instead.

    ``engine`` replaces the settings' engine (the benchmark passes tesseract through it).
    """
    settings = settings or OcrSettings()
    digest = hashlib.sha256(data).hexdigest()
    decoded = decode_image(data, settings)
    if not isinstance(decoded, Decoded):
        return ImageText(
            digest,
            problem=decoded.problem,
            detail=decoded.detail,
            width=decoded.width,
            height=decoded.height,
            format=decoded.format,
        )
    height, width = decoded.pixels.shape[:2]
    found = {"width": width, "height": height, "format": decoded.format, "animated": decoded.animated}
    engine = engine or engine_for(settings)
    slices = slice_bounds(width, height, settings.slice_ratio)
    cut = len(slices) > settings.max_slices
    lines: list[TextLine] = []
    try:
        for top, bottom, owned_from, owned_to in slices[: settings.max_slices]:
            for line in engine.recognize(decoded.pixels[top:bottom]):
                moved = _moved(line, top)
                if owned_from <= _centre_y(moved) < owned_to:
                    lines.append(moved)
    except Exception as exc:  # the engine's failure on one image is that image's fault, recorded
        detail = f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:200]
        return ImageText(digest, problem=Problem.OCR_FAILED, detail=detail, **found)
    detail = f"read down to {slices[settings.max_slices - 1][1]} of {height} px" if cut else ""
    return ImageText(digest, tuple(reading_order(lines)), detail=detail, cut=cut, **found)


def slice_bounds(width: int, height: int, ratio: float) -> list[tuple[int, int, int, int]]:
    """Overlapping horizontal slices of a tall image: (top, bottom, owned_from, owned_to) each.

    A slice is ``ratio`` widths high and overlaps the next by a quarter of that; a line belongs to
    the slice whose owned band holds its centre, so a line cut by one slice's edge is taken whole
    from the next and none is read twice (lines up to an eighth of a slice high).
    """
    size = max(1, round(ratio * width))
    if height <= size * 1.25:
        return [(0, height, 0, height)]
    overlap = size // 4
    tops = [*range(0, height - size, size - overlap), height - size]
    bounds = []
    for i, top in enumerate(tops):
        owned_from = 0 if i == 0 else (top + bounds[-1][1]) // 2
        owned_to = height if i == len(tops) - 1 else (tops[i + 1] + top + size) // 2
        bounds.append((top, top + size, owned_from, owned_to))
    return bounds


def reading_order(lines: list[TextLine]) -> list[TextLine]:
    """Top to bottom, and left to right within a row (boxes whose vertical middles overlap)."""
    rows: list[list[TextLine]] = []
    for line in sorted(lines, key=_centre_y):
        if rows:
            last = rows[-1][0]
            half = min(_height(last), _height(line)) / 2
            if abs(_centre_y(line) - _centre_y(last)) < half:
                rows[-1].append(line)
                continue
        rows.append([line])
    return [line for row in rows for line in sorted(row, key=lambda ln: min(x for x, _ in ln.box))]


def _moved(line: TextLine, dy: int) -> TextLine:
    if not dy:
        return line
    box = tuple((x, y + dy) for x, y in line.box)
    return TextLine(line.text, line.confidence, box)  # type: ignore[arg-type]


def _centre_y(line: TextLine) -> float:
    return float(np.mean([y for _, y in line.box]))


def _height(line: TextLine) -> float:
    ys = [y for _, y in line.box]
    return max(ys) - min(ys)
