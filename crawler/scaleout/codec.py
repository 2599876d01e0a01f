"""JSON in Redis, never pickle: scheduled requests (scrapy-redis's serializer) and crawled listings.

Anyone who can write to Redis can write these values, so they are read back as plain data and
rebuilt into our own types; nothing in them is ever executed or unpickled.
"""

from __future__ import annotations

import base64
import json
from dataclasses import asdict, replace
from typing import Any

from crawler.evidence.warc import Capture
from crawler.extraction.listing import CrawledListing, Listing
from crawler.images.evidence import quoted
from crawler.images.fetching import FetchedImage
from crawler.images.reading import ImageRead
from crawler.leads.image_cache import from_json, to_json
from detectors.models import Analysis, Finding, ImageOrigin, Span, Stamp

BYTES, PAIRS = "$bytes", "$pairs"  # tags for what JSON lacks: bytes, and dicts with non-string keys


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return {BYTES: base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict):
        if all(isinstance(key, str) for key in value):
            return {key: _plain(item) for key, item in value.items()}
        return {PAIRS: [[_plain(key), _plain(item)] for key, item in value.items()]}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"cannot put a {type(value).__name__} in Redis as JSON")


def _tagged(obj: dict[str, Any]) -> Any:
    if len(obj) == 1 and BYTES in obj:
        return base64.b64decode(obj[BYTES])
    if len(obj) == 1 and PAIRS in obj:
        return {key: item for key, item in obj[PAIRS]}
    return obj


def dumps(value: Any) -> bytes:
    """JSON of a value that may hold bytes (bodies, header names): scrapy-redis's SCHEDULER_SERIALIZER API."""
    return json.dumps(_plain(value), ensure_ascii=False, separators=(",", ":")).encode()


def loads(data: bytes | str) -> Any:
    return json.loads(data, object_hook=_tagged)


def _span(data: dict[str, Any]) -> Span:
    return Span(int(data["start"]), int(data["end"]), str(data["text"]))


def _origin(data: dict[str, Any] | None) -> ImageOrigin | None:
    """The picture a finding was read from (its box back to a tuple), or None for page text."""
    if not data:
        return None
    x0, y0, x1, y1 = (int(v) for v in data["box"])
    return ImageOrigin(
        int(data["number"]), str(data["source"]), str(data["sha256"]), (x0, y0, x1, y1), str(data["text"])
    )


def _analysis(data: dict[str, Any]) -> Analysis:
    findings = tuple(
        Finding(
            category=f["category"],
            rule=f["rule"],
            confidence=f["confidence"],
            basis=tuple(f["basis"]),
            span=_span(f["span"]),
            spans=tuple(_span(s) for s in f["spans"]),
            explanation=f["explanation"],
            image=_origin(f.get("image")),
        )
        for f in data["findings"]
    )
    stamp = data["stamp"]
    return Analysis(
        score=float(data["score"]),
        flagged=bool(data["flagged"]),
        findings=findings,
        model_score=None if data["model_score"] is None else float(data["model_score"]),
        case_score=None if data.get("case_score") is None else float(data["case_score"]),
        contacts=tuple(str(c) for c in data["contacts"]),
        institutions=tuple(str(i) for i in data["institutions"]),
        registry=str(data["registry"]),
        signature=data["signature"] if isinstance(data["signature"], bytes) else b"",
        stamp=None
        if stamp is None
        else Stamp(
            **{k: stamp[k] for k in ("rules", "registry", "model", "version")}, threshold=float(stamp["threshold"])
        ),
    )


def listing_dumps(item: CrawledListing) -> bytes:
    """A detected listing with what the writer needs: fields, analysis (stamp included), the page for evidence,
    its pictures (the bytes or the 304 of those a finding quotes; the others' URL, validators and fault
    only) and what became of each (their text), so the writer stores the same rows as a local crawl."""
    wanted = quoted(item)
    images = [
        image if image.sha256 in wanted else replace(image, capture=None, not_modified=None) for image in item.images
    ]
    doc = asdict(replace(item, images=(), image_reads=()))
    doc["images"] = [asdict(image) for image in images]
    doc["image_reads"] = [
        {**asdict(replace(read, text=None)), "text": to_json(read.text) if read.text is not None else None}
        for read in item.image_reads
    ]
    return dumps(doc)


def listing_loads(data: bytes | str) -> CrawledListing:
    """The detected listing back; KeyError, TypeError or ValueError when the JSON is not one of ours."""
    doc = loads(data)
    page = doc["capture"]
    capture = _capture(page) if page is not None else None
    return CrawledListing(
        Listing(**doc["listing"]),
        capture,
        _analysis(doc["analysis"]),
        images=tuple(_image(image) for image in doc.get("images") or ()),
        image_reads=tuple(_read(read) for read in doc.get("image_reads") or ()),
        alias=str(doc.get("alias", "")),
    )


def _image(data: dict[str, Any]) -> FetchedImage:
    etag, last_modified = (str(v) for v in data["validators"])
    return FetchedImage(
        url=str(data["url"]),
        capture=_capture(data["capture"]) if data["capture"] else None,
        fault=str(data["fault"]),
        unchanged=str(data["unchanged"]),
        validators=(etag, last_modified),
        not_modified=_capture(data["not_modified"]) if data.get("not_modified") else None,
    )


def _read(data: dict[str, Any]) -> ImageRead:
    sha256 = str(data["sha256"])
    text = from_json(sha256, data["text"]) if isinstance(data.get("text"), str) else None
    return ImageRead(str(data["source"]), sha256, text, str(data["outcome"]), str(data["detail"]))


def _capture(page: dict[str, Any]) -> Capture:
    return Capture(
        url=page["url"],
        status=int(page["status"]),
        headers=tuple((str(k), str(v)) for k, v in page["headers"]),
        body=page["body"] if isinstance(page["body"], bytes) else b"",
        request_headers=tuple((str(k), str(v)) for k, v in page["request_headers"]),
        fetched_at=page["fetched_at"],
        method=str(page.get("method", "GET")),
        request_body=page["request_body"] if isinstance(page.get("request_body"), bytes) else b"",
        images=tuple(_capture(image) for image in page.get("images") or ()),
    )
