"""Documents for ``scan``: plain text, HTML or JSON Lines, from a file or stdin."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from crawler.extraction.main_text import main_text
from crawler.images.files import Picture, image_file
from detectors.categories import PLATFORMS
from detectors.surrogates import replace_surrogates


@dataclass(frozen=True)
class ScanItem:
    id: Any
    title: str
    text: str
    platform: str | None
    error: str | None = None
    publisher: str = ""
    contact: str = ""
    pictures: tuple[tuple[str, Picture], ...] = ()  # "images": each file's bytes, or why it cannot be read


def guess_format(name: str) -> str:
    lower = name.lower()
    if lower.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if lower.endswith((".html", ".htm")):
        return "html"
    return "text"


def _jsonl_item(number: int, line: str) -> ScanItem:
    try:
        obj = json.loads(line)
    except ValueError as exc:
        return ScanItem(None, "", "", None, f"line {number}: not JSON ({exc.msg})")
    if not isinstance(obj, dict):
        return ScanItem(None, "", "", None, f"line {number}: expected a JSON object")
    title, text, platform = obj.get("title", ""), obj.get("text", ""), obj.get("platform")
    publisher, contact = obj.get("publisher", ""), obj.get("contact", "")
    if not all(isinstance(value, str) for value in (title, text, publisher, contact)):
        return ScanItem(obj.get("id"), "", "", None, f"line {number}: 'title', 'text' (and others) must be strings")
    if platform is not None and platform not in PLATFORMS:
        return ScanItem(obj.get("id"), "", "", None, f"line {number}: unknown platform {platform!r}")
    images = obj.get("images", [])
    if not isinstance(images, list) or not all(isinstance(image, str) for image in images):
        return ScanItem(obj.get("id"), "", "", None, f"line {number}: 'images' must be a list of file names")
    clean = replace_surrogates
    return ScanItem(
        obj.get("id"),
        clean(title),
        clean(text),
        platform,
        publisher=clean(publisher),
        contact=clean(contact),
        pictures=tuple((image, image_file(image)) for image in images),
    )


def read_items(content: str, fmt: str, platform: str | None, name: str) -> Iterator[ScanItem]:
    """Plain text: first line is the title. HTML: main text. JSONL: one object per non-empty line."""
    if fmt == "jsonl":
        for number, line in enumerate(content.splitlines(), start=1):
            if line.strip():
                yield _jsonl_item(number, line)
    elif fmt == "html":
        title, text = main_text(content)
        yield ScanItem(name, title, text, platform)
    else:
        title, _, text = content.partition("\n")
        yield ScanItem(name, title, text, platform)
