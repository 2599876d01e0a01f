"""``scan``'s work on a batch of input items, the same in this process or in a worker (``--jobs``)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from crawler.analysis.scan_input import line_item
from crawler.extraction.listing import cut_lengths
from crawler.images.reading import ImageAnalysis, ImageJob, ImageRead, Picture, analyze_work, read_json
from detectors.clean_text import clean_text
from detectors.contract import analysis_json
from detectors.engine import Engine
from detectors.models import Analysis, Document

if TYPE_CHECKING:
    from crawler.analysis.scan_input import ScanItem

Line = tuple[int, bytes | None]  # (line number, its bytes; None for a line too long to read), as raw_lines gives it
Answer = tuple[str, str | None, tuple[ImageRead, ...], str | None]  # json_lines' triple + the item's cut warning


def scan_document(item: ScanItem) -> Document | ImageJob:
    document = Document(item.title, item.text, item.platform, item.publisher, item.contact)
    return ImageJob(document, item.pictures) if item.pictures else document


def analysed_with_pictures(engine: Engine, items: list[ScanItem]) -> list[Analysis | ImageAnalysis | None]:
    """Each item's analysis (with its pictures' reads when it has some; None for an unreadable item), in order."""
    found = iter(analyze_work(engine, [scan_document(item) for item in items if item.error is None]))
    return [next(found) if item.error is None else None for item in items]


def analysed(engine: Engine, items: list[ScanItem]) -> list[tuple[Analysis | None, tuple[ImageRead, ...]]]:
    """Each item's analysis (None for an item that could not be read) and its pictures' reads, in order."""
    return [
        (result.analysis, result.reads) if isinstance(result, ImageAnalysis) else (result, ())
        for result in analysed_with_pictures(engine, items)
    ]


def json_lines(engine: Engine, items: list[ScanItem]) -> list[tuple[str, str | None, tuple[ImageRead, ...]]]:
    """(the JSON line of the contract, the input error or None, the pictures' reads for the OCR cache) per item:
    a worker hands back text and the pictures' text, not analyses."""
    out = []
    for item, result in zip(items, analysed_with_pictures(engine, items), strict=True):
        analysis = result.analysis if isinstance(result, ImageAnalysis) else result
        reads = result.reads if isinstance(result, ImageAnalysis) else ()
        if analysis is None:
            record = {
                "id": item.id,
                "flagged": False,
                "score": 0.0,
                "categories": [],
                "findings": [],
                "error": item.error,
            }
        else:
            record = analysis_json(item.id, analysis)
            if isinstance(result, ImageAnalysis):
                record["images"] = [read_json(read) for read in result.reads]
        out.append((json.dumps(record, ensure_ascii=False, allow_nan=False), item.error, reads))
    return out


class NamesPictures(Exception):
    """A line names pictures: the reading process resolves them (its OCR cache, the URLs it fetched)."""


def _no_pictures(name: str) -> Picture:
    raise NamesPictures(name)


def cut_warning(item: ScanItem) -> str | None:
    """What scan says on stderr of an item cut before analysis (crawler/extraction/listing.py's cut_body)."""
    cut = cut_lengths(item.text)
    if cut is None:
        return None
    return f"{clean_text(str(item.id))}: only the first {cut[1]:,} of {cut[0]:,} characters analysed"


def scan_lines(engine: Engine, lines: list[Line], platform: str | None = None) -> list[Answer | Line]:
    """JSON lines parsed, cleaned and analysed here (in a worker with --jobs), on ``platform`` unless a line
    names its own: per non-blank line, its Answer, or the line itself, handed back, when it names pictures
    (``scan`` resolves those and sends them again)."""
    items: list[ScanItem] = []
    shape: list[Line | None] = []  # None: the next of ``items``' answers
    for number, raw in lines:
        try:
            item = line_item(number, raw, _no_pictures, platform)
        except NamesPictures:
            shape.append((number, raw))
            continue
        if item is not None:
            items.append(item)
            shape.append(None)
    answers = iter(json_lines(engine, items))
    warnings = iter([cut_warning(item) for item in items])
    return [(*next(answers), next(warnings)) if entry is None else entry for entry in shape]
