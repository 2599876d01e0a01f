"""Documents for ``scan``: plain text, HTML or JSON Lines, from a file or stdin, read with limits.

Input is hostile too. It is read as a stream, never whole: a JSON line longer than MAX_LINE_BYTES
is answered with an error in its place (the rest of the line skipped, not kept), a text or HTML
document longer than MAX_DOCUMENT_BYTES is refused, and a NUL byte means the input is not text
(``/dev/zero`` is refused at once). A line nested too deeply for the JSON parser, or whose id is
NaN or ±Infinity (which no JSON output may hold), gets its error in place; the lines after it
are answered as usual. Text is cleaned (detectors/clean_text.py) and cut (Listing's cut_body) the
way crawled text is.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any, BinaryIO

from crawler.errors import TutorWatchError
from crawler.extraction.listing import cut_body, cut_field
from crawler.extraction.main_text import main_text
from crawler.images.files import Picture, image_file
from detectors.categories import PLATFORMS
from detectors.clean_text import clean_text

MAX_LINE_BYTES = 8 * 1024 * 1024  # one JSON line: ASCII-escaped CJK is 6 bytes a character; the text is cut anyway
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024  # one text or HTML document: the crawl's page size limit
CHUNK = 64 * 1024


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


def guess_format(name: str, head: bytes = b"") -> str:
    """The input's format from its file extension, else from its first bytes (``head``; stdin has no
    extension): a line that opens with ``{"`` is JSON Lines, a tag is HTML, anything else text. An
    investigator piping JSON Lines in expects them read as listings, not as one text."""
    lower = name.lower()
    if lower.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if lower.endswith((".html", ".htm")):
        return "html"
    if lower.endswith(".txt"):
        return "text"
    start = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if re.match(rb'\{\s*["}]', start):  # a JSON object opens with a quoted key: 「{初中数学}一对一」 is text
        return "jsonl"
    if re.match(rb"<(!doctype|html|head|body|div|p|meta|title)\b", start, re.IGNORECASE):
        return "html"
    return "text"


def _not_finite(word: str) -> float:
    raise ValueError(f"{word} is not a number JSON can carry")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is too large for a number")
    return number


DECODER = json.JSONDecoder(parse_constant=_not_finite, parse_float=_finite)  # once: json.loads builds one a call


def _item(ident: Any, title: str, text: str, platform: str | None, publisher: str = "", contact: str = "") -> ScanItem:
    """An item cleaned and cut as a crawled Listing is (crawler/extraction/listing.py)."""
    title, publisher, contact = (cut_field(clean_text(value)) for value in (title, publisher, contact))
    return ScanItem(ident, title, cut_body(clean_text(text)), platform, publisher=publisher, contact=contact)


def _jsonl_item(
    number: int, line: str, picture: Callable[[str], Picture] = image_file, platform: str | None = None
) -> ScanItem:
    try:
        if line.startswith("\ufeff"):  # as json.loads says it
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", line, 0)
        obj = DECODER.decode(line)
    except ValueError as exc:
        return ScanItem(None, "", "", None, f"line {number}: not JSON ({getattr(exc, 'msg', exc)})")
    except RecursionError:
        return ScanItem(None, "", "", None, f"line {number}: not JSON (nested too deeply)")
    if not isinstance(obj, dict):
        return ScanItem(None, "", "", None, f"line {number}: expected a JSON object")
    ident = obj.get("id")
    title, text = obj.get("title", ""), obj.get("text", "")
    platform = obj["platform"] if obj.get("platform") is not None else platform  # the line's own, else --platform
    publisher, contact = obj.get("publisher", ""), obj.get("contact", "")
    if not all(isinstance(value, str) for value in (title, text, publisher, contact)):
        return ScanItem(ident, "", "", None, f"line {number}: 'title', 'text' (and others) must be strings")
    if platform is not None and platform not in PLATFORMS:
        return ScanItem(ident, "", "", None, f"line {number}: unknown platform {clean_text(str(platform))!r}")
    images = obj.get("images", [])
    if not isinstance(images, list) or not all(isinstance(image, str) for image in images):
        return ScanItem(ident, "", "", None, f"line {number}: 'images' must be a list of file names or URLs")
    item = _item(ident, title, text, platform, publisher, contact)
    return replace(item, pictures=tuple((image, picture(image)) for image in images)) if images else item


def raw_lines(stream: BinaryIO, name: str) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes), or (number, None) for a line longer than MAX_LINE_BYTES (skipped, never held)."""
    number = 0
    while True:
        line = stream.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        number += 1
        if b"\0" in line:
            raise TutorWatchError(f"{name}: line {number} holds NUL bytes: not text")
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):  # skip the rest of it in bounded reads
                line = stream.readline(CHUNK)
                if b"\0" in line:
                    raise TutorWatchError(f"{name}: line {number} holds NUL bytes: not text")
            yield number, None
            continue
        yield number, line


def _document(stream: BinaryIO, name: str) -> str:
    data = stream.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise TutorWatchError(f"{name}: larger than {MAX_DOCUMENT_BYTES // 2**20} MB; scan it in parts")
    if b"\0" in data:
        raise TutorWatchError(f"{name}: holds NUL bytes: not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TutorWatchError(
            f"{name}: not UTF-8 text (byte {exc.start}); convert it (e.g. iconv -f GBK -t UTF-8)"
        ) from None


def read_items(
    stream: BinaryIO, fmt: str, platform: str | None, name: str, picture: Callable[[str], Picture] = image_file
) -> Iterator[ScanItem]:
    """Plain text: first line is the title. HTML: main text. JSONL: one object per non-empty line, each
    name in its ``images`` turned into what ``picture`` gives (bytes, cached text or a fault).

    Raises TutorWatchError for input that is not text at all (or a document over the limit);
    a bad JSON line is an item with ``error`` set, in its place.
    """
    if fmt != "jsonl":
        content = _document(stream, name)
        if fmt == "html":
            title, text = main_text(content)
        else:
            title, _, text = content.partition("\n")
        yield _item(name, title, text, platform)
        return
    for number, raw in raw_lines(stream, name):
        item = line_item(number, raw, picture, platform)
        if item is not None:
            yield item


def line_item(
    number: int, raw: bytes | None, picture: Callable[[str], Picture] = image_file, platform: str | None = None
) -> ScanItem | None:
    """One JSON line (as ``raw_lines`` gives it) as an item, on ``platform`` unless it names its own; None for
    a blank line. Run where the engine runs (``scan --jobs``): parsing and cleaning a line costs the reading
    process as much as a worker's share."""
    if raw is None:
        return ScanItem(None, "", "", None, f"line {number}: longer than {MAX_LINE_BYTES // 2**20} MB, not analysed")
    try:
        line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        return ScanItem(None, "", "", None, f"line {number}: not UTF-8 text (byte {exc.start})")
    return _jsonl_item(number, line, picture, platform) if line.strip() else None
