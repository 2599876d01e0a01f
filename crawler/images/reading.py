"""Reading a listing's pictures where detection runs (a worker process), then analysing the listing with them.

The crawl process hands over an ImageJob: the listing's Document and, per picture, its bytes to
read, the text cached from an earlier read of the same bytes, or why it was not fetched. The
worker reads what is not cached, joins the lines to the Document as its image text and runs the
one engine; the ImageReads come back so the crawl process can cache and count them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from detectors.image_part import with_images
from detectors.models import Analysis, Document
from detectors.ocr import ImageText, OcrSettings, read_image_text

if TYPE_CHECKING:
    from detectors.engine import Engine

OCR_SETTINGS = OcrSettings()  # one setting for every site: the cache key's stamp depends on it


@dataclass(frozen=True)
class ImageRead:
    """What became of one picture of a listing: read, cached (read on an earlier night), skipped or failed."""

    source: str  # the image URL (or file, for scan)
    sha256: str  # '' when the picture never came
    text: ImageText | None
    outcome: str  # read | cached | unchanged | skipped | failed
    detail: str = ""  # one line: the problem or the fetch fault

    @classmethod
    def of(cls, source: str, text: ImageText, kept: str = "") -> ImageRead:
        """``kept``: "cached" (these bytes were read before) or "unchanged" (answered 304: no bytes came)."""
        detail = f"{text.problem}: {text.detail}" if text.problem is not None else ""
        # a picture that failed or was skipped before counts as such again (not read again, still a fault)
        return cls(source, text.sha256, text, kept if kept and text.problem is None else text.status, detail)


@dataclass(frozen=True)
class NotModified:
    """A picture answered 304: the text read from the same bytes on an earlier night stands; no body came."""

    text: ImageText


Picture = bytes | ImageText | NotModified | str  # to read, read before (cached), 304, or why it was not fetched


@dataclass(frozen=True)
class ImageJob:
    document: Document
    pictures: tuple[tuple[str, Picture], ...]  # (source, what we have of it), in the page's order


@dataclass(frozen=True)
class ImageAnalysis:
    analysis: Analysis
    reads: tuple[ImageRead, ...]


def read_pictures(
    job: ImageJob, settings: OcrSettings = OCR_SETTINGS, batch: dict[str, ImageText] | None = None
) -> tuple[Document, tuple[ImageRead, ...]]:
    """The job's Document with its pictures' text, and what became of each picture (OCR runs here).

    ``batch``: pictures read for other listings of the same batch, by SHA-256 (a re-posted ad's
    poster on several pages of one batch is read once; the crawl's cache covers later batches).
    """
    batch = {} if batch is None else batch
    reads = []
    for source, picture in job.pictures:
        if isinstance(picture, str):
            reads.append(ImageRead(source, "", None, "failed", picture))
        elif isinstance(picture, NotModified):
            reads.append(ImageRead.of(source, picture.text, "unchanged"))
        elif isinstance(picture, ImageText):
            reads.append(ImageRead.of(source, picture, "cached"))
        elif (known := batch.get(hashlib.sha256(picture).hexdigest())) is not None:
            reads.append(ImageRead.of(source, known, "cached"))
        else:
            text = read_image_text(picture, settings)
            batch[text.sha256] = text
            reads.append(ImageRead.of(source, text))
    return with_images(job.document, [(read.source, read.text) for read in reads]), tuple(reads)


def analyze_work(engine: Engine, work: Sequence[Document | ImageJob]) -> list[Analysis | ImageAnalysis]:
    """Analyses in order: a Document as is, an ImageJob once its pictures are read (one engine batch for all)."""
    batch: dict[str, ImageText] = {}
    prepared = [read_pictures(item, batch=batch) if isinstance(item, ImageJob) else (item, None) for item in work]
    analyses = engine.analyze_many([document for document, _ in prepared])
    return [
        analysis if reads is None else ImageAnalysis(analysis, reads)
        for analysis, (_, reads) in zip(analyses, prepared, strict=True)
    ]


def read_json(read: ImageRead) -> dict[str, object]:
    """One picture in ``scan``'s JSON: its source, SHA-256, outcome and problem, and the text read."""
    text = read.text.text if read.text is not None else ""
    return {"source": read.source, "sha256": read.sha256, "outcome": read.outcome, "detail": read.detail, "text": text}
