"""``scan``'s work on a batch of input items, the same in this process or in a worker (``--jobs``)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from crawler.images.reading import ImageAnalysis, ImageJob, ImageRead, analyze_work, read_json
from detectors.contract import analysis_json
from detectors.engine import Engine
from detectors.models import Analysis, Document

if TYPE_CHECKING:  # not imported for real: a worker loading this module must not load the CLI
    from crawler.cli.scan_input import ScanItem


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
