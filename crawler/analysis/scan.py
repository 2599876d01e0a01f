"""``scan``'s work on a batch of input items, the same in this process or in a worker (``--jobs``)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from detectors.contract import analysis_json
from detectors.engine import Engine
from detectors.models import Analysis, Document

if TYPE_CHECKING:  # not imported for real: a worker loading this module must not load the CLI
    from crawler.cli.scan_input import ScanItem


def scan_document(item: ScanItem) -> Document:
    return Document(item.title, item.text, item.platform, item.publisher, item.contact)


def analysed(engine: Engine, items: list[ScanItem]) -> list[Analysis | None]:
    """Each item's analysis (None for an item that could not be read), in order."""
    found = iter(engine.analyze_many([scan_document(item) for item in items if item.error is None]))
    return [next(found) if item.error is None else None for item in items]


def json_lines(engine: Engine, items: list[ScanItem]) -> list[tuple[str, str | None]]:
    """(the JSON line of the contract, the input error or None) per item: a worker hands back text, not objects."""
    out = []
    for item, analysis in zip(items, analysed(engine, items), strict=True):
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
        out.append((json.dumps(record, ensure_ascii=False), item.error))
    return out
