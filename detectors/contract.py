"""The fixed JSON shape of an analysis that outside tools read (``scan --format jsonl``, ``check --format json``)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from detectors.models import Analysis, Finding


def finding_json(finding: Finding) -> dict[str, Any]:
    """``text`` is exactly ``document.text[start:end]``: ``title + "\\n" + text`` for ``scan``'s input.

    A finding read from a picture also has ``image``: its number, source, sha256 and box (x0, y0, x1, y1).
    """
    image = finding.image
    where = {} if image is None else {"image": {**asdict(image), "box": list(image.box)}}
    return {
        "category": finding.category,
        "rule": finding.rule,
        "text": finding.span.text,
        "start": finding.span.start,
        "end": finding.span.end,
        "basis": list(finding.basis),
        "confidence": finding.confidence,
        "explanation": finding.explanation,
        "spans": [{"text": s.text, "start": s.start, "end": s.end} for s in finding.spans],
        **where,
    }


def analysis_json(doc_id: Any, analysis: Analysis) -> dict[str, Any]:
    return {
        "id": doc_id,
        "flagged": analysis.flagged,
        "score": analysis.score,
        "categories": analysis.categories,
        "findings": [finding_json(f) for f in analysis.findings],
        "model_score": analysis.model_score,
        "case_score": analysis.case_score,
        "stamp": str(analysis.stamp) if analysis.stamp is not None else "",
    }
