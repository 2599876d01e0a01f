"""The text read from a listing's pictures as one part of its Document, and a finding traced back to its picture.

``image_text`` holds the pictures' lines in reading order, one per line, pictures separated by a
blank line, so every span still indexes ``Document.text`` exactly. Each picture's ImageRef keeps
where its lines are and their boxes, so a finding whose characters come from a picture can say
which picture and where in it (the analyst opens the image and sees the same characters there).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from detectors.models import Box, Document, Finding, ImageLine, ImageOrigin, ImageRef
from detectors.ocr import ImageText


def cover(box: tuple[tuple[int, int], ...]) -> Box:
    """The upright rectangle around a (possibly tilted) four-point box."""
    xs, ys = [x for x, _ in box], [y for _, y in box]
    return (min(xs), min(ys), max(xs), max(ys))


def with_images(doc: Document, pictures: Sequence[tuple[str, ImageText | None]]) -> Document:
    """``doc`` with the lines of its pictures (source, what was read; None when not read) as its image text.

    A picture is numbered by its place among all the listing's pictures, read or not, so "图片 3"
    is the third picture of the page even when the second could not be read.
    """
    text: list[str] = []
    refs: list[ImageRef] = []
    at = 0
    for number, (source, read) in enumerate(pictures, start=1):
        if read is None or not read.lines:
            continue
        if text:
            text.append("\n\n")
            at += 2
        start, lines = at, []
        for index, line in enumerate(read.lines):
            if index:
                text.append("\n")
                at += 1
            lines.append(ImageLine(at, at + len(line.text), cover(line.box)))
            text.append(line.text)
            at += len(line.text)
        refs.append(ImageRef(number, source, read.sha256, start, at, tuple(lines)))
    return dataclasses.replace(doc, image_text="".join(text), images=tuple(refs))


def origin(doc: Document, start: int, end: int) -> ImageOrigin | None:
    """The picture (and the box of its lines) behind ``doc.text[start:end]``; None when it is page text."""
    if not doc.images or "image_text" not in doc.ranges:
        return None
    base, stop = doc.ranges["image_text"]
    first, last = max(start, base) - base, min(end, stop) - base
    if first >= last:
        return None
    for ref in doc.images:
        if ref.start <= first < ref.end or ref.start < last <= ref.end:
            boxes = [line.box for line in ref.lines if line.start < last and first < line.end] or [
                line.box for line in ref.lines
            ]
            box = (
                min(b[0] for b in boxes),
                min(b[1] for b in boxes),
                max(b[2] for b in boxes),
                max(b[3] for b in boxes),
            )
            clipped = doc.text[base + max(first, ref.start) : base + min(last, ref.end)]  # never page text
            return ImageOrigin(ref.number, ref.source, ref.sha256, box, clipped)
    return None


def traced(doc: Document, finding: Finding) -> Finding:
    """The finding, naming its picture and box (in ``image`` and in its explanation) when any of its evidence
    was read from one: the characters quoted are those of the picture."""
    located = [(span, where) for span in (finding.span, *finding.spans) if (where := origin(doc, span.start, span.end))]
    if not located:
        return finding
    first = located[0][1]
    same = [(span, where) for span, where in located if where.number == first.number]
    boxes = [where.box for _, where in same]
    box = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
    quoted = list(dict.fromkeys(where.text for _, where in same))
    where = dataclasses.replace(first, box=box, text=" ".join(quoted))
    note = f"（图片中的文字{''.join(f'「{text}」' for text in quoted)}：{where.describe()}）"
    return dataclasses.replace(finding, image=where, explanation=finding.explanation + note)
