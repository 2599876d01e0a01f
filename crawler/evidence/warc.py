"""Evidence that holds up (固定证据): every page that yields a lead, kept as fetched in a WARC file.

A listing that lives only in a JSON API (no detail page) keeps the API response it came in,
with the request that asked for it (method and body of a POST API): several leads may point at
the one record of that response, which is written once.

One gzipped WARC file per run (data/evidence/run-<id>.warc.gz beside the database) holds, for
each new or changed lead, a request record and a response record (final URL, status, headers,
body, fetch time). The lead row keeps the file, the byte offset and length of the pair and the
SHA-256 of those bytes, so ``tutorwatch evidence verify`` can prove nothing changed since.
Scrapy hands over bodies already decompressed, so Content-Encoding is dropped from the stored
headers and Content-Length set to the stored body.

A page rendered in the browser is stored as the browser saw it (the DOM after its scripts ran),
followed by a ``resource`` record holding a full-page PNG screenshot (WARC-Target-URI
``urn:screenshot:<url>``, WARC-Concurrent-To the response record). It lies inside the same
offset and length, so the one SHA-256 of the lead row covers the screenshot too.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urlsplit

from scrapy.http.headers import Headers
from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.errors import TutorWatchError
from crawler.evidence.revisits import Locate, PictureRecord, PictureRevisit, revisit_record, revisits_in
from crawler.fetching.rendering import screenshot_of

RECENT_PAGES = 16  # captures remembered by the writer, so an API page's listings share one record
DROPPED_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}
SCREENSHOT_PREFIX = "urn:screenshot:"


@dataclass(frozen=True)
class Capture:
    """A fetched page as the spider saw it."""

    url: str  # final URL, after redirects
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    request_headers: tuple[tuple[str, str], ...]
    fetched_at: str  # ISO 8601, UTC
    screenshot: bytes | None = None  # full-page PNG, for pages rendered in the browser
    method: str = "GET"
    request_body: bytes = b""  # what a POST API was sent (its query: which page, which city)
    images: tuple[Capture, ...] = ()  # pictures of the page whose text produced a finding, kept beside it
    revisits: tuple[PictureRevisit, ...] = ()  # such pictures answered 304: records pointing at their bytes


@dataclass(frozen=True)
class EvidenceRef:
    file: str  # name inside the evidence directory
    offset: int
    length: int
    sha256: str
    fetched_at: str
    pictures: tuple[PictureRecord, ...] = ()  # the pictures' response records written, for the store's index


def capture(response: object) -> Capture:
    """The evidence of a Scrapy response (and its request)."""

    def pairs(headers: object) -> tuple[tuple[str, str], ...]:
        # Headers is a dict of normalised keys to lists of values: read as one, it gives what its items() gives
        # without normalising every key again (2% of the crawl process's CPU per page went to that)
        stored = dict.items(headers) if isinstance(headers, Headers) else headers.items()  # type: ignore[attr-defined]
        return tuple((key.decode("latin-1"), value.decode("latin-1")) for key, values in stored for value in values)

    return Capture(
        url=response.url,  # type: ignore[attr-defined]
        status=response.status,  # type: ignore[attr-defined]
        headers=pairs(response.headers),  # type: ignore[attr-defined]
        body=response.body,  # type: ignore[attr-defined]
        request_headers=pairs(response.request.headers),  # type: ignore[attr-defined]
        fetched_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        screenshot=screenshot_of(response),  # type: ignore[arg-type]
        method=response.request.method,  # type: ignore[attr-defined]
        request_body=response.request.body,  # type: ignore[attr-defined]
    )


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


class EvidenceWriter:
    """Appends request/response pairs to one WARC file; each append is its own gzip members."""

    def __init__(self, directory: Path, run_id: int, track_pictures: bool = False) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.track_pictures = track_pictures  # the scale-out writer tells workers which pictures are kept
        self.name = f"run-{run_id}.warc.gz"
        self.path = directory / self.name
        self.recent: OrderedDict[int, tuple[Capture, EvidenceRef]] = OrderedDict()  # pages just written
        self.pictures: list[PictureRecord] = []  # picture records written since take_pictures
        self._fd: int | None = None  # the file, opened for appending at the first write and kept open

    def write(self, page: Capture, packed: Packed | None = None) -> EvidenceRef:
        """Append the page's records (``packed``: already made by ``pack``, off the event loop); a page already
        written (one API response, many listings) only once."""
        kept = self.recent.get(id(page))
        if kept is not None and kept[0] is page:
            return kept[1]
        data = packed if packed is not None else pack(page)
        offset = self._append(data.data)
        pictures = tuple(
            PictureRecord(sha, url, self.name, offset + start, length, record_id, at)
            for sha, url, start, length, record_id, at in data.pictures
        )
        ref = EvidenceRef(self.name, offset, len(data.data), data.sha256, page.fetched_at, pictures)
        if self.track_pictures:
            self.pictures.extend(pictures)
        self.recent[id(page)] = (page, ref)  # holding the page keeps its id from being reused
        if len(self.recent) > RECENT_PAGES:
            self.recent.popitem(last=False)
        return ref

    def _append(self, data: bytes) -> int:
        """Append ``data`` to the file, handed to the OS before the row pointing at it is written; returns its offset.

        The file stays open between pages (an open, seek, flush and close per lead were 10% of the store's
        time a page). Opened with O_APPEND, each write lands at the end of the file, whatever other writers
        of the same run (another site's pipeline in this process) appended meanwhile; the offset is the
        file's size just before. A file removed meanwhile is created again, as the old open-per-write did."""
        if self._fd is not None and os.fstat(self._fd).st_nlink == 0:
            self.close()
        if self._fd is None:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o666)
        offset = os.fstat(self._fd).st_size
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view) :]
        return offset

    def close(self) -> None:
        """Close the file (the next write opens it again)."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)

    def __del__(self) -> None:
        self.close()

    def take_pictures(self) -> list[PictureRecord]:
        """The picture records written since the last call (the scale-out writer tells the workers)."""
        taken, self.pictures = self.pictures, []
        return taken


@dataclass(frozen=True)
class Packed:
    """A page's WARC records, gzipped, and their SHA-256: all the CPU work of keeping it as evidence."""

    data: bytes
    sha256: str
    pictures: tuple[tuple[str, str, int, int, str, str], ...] = ()  # sha256, URL, offset in data, length, id, date


def pack(page: Capture) -> Packed:
    """The page's request, response (and screenshot, pictures) records, each its own gzip member.

    Pure, so a big page's records are compressed in a thread (crawler/pipelines/store.py): zlib and
    hashlib let go of the GIL, and the event loop goes on meanwhile.
    """
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    parts = urlsplit(page.url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    request = writer.create_warc_record(
        page.url,
        "request",
        payload=io.BytesIO(page.request_body),
        http_headers=StatusAndHeaders(
            f"{page.method} {target or '/'} HTTP/1.1",
            [("Host", parts.netloc), *page.request_headers],
            is_http_request=True,
        ),
        warc_headers_dict={"WARC-Date": page.fetched_at},
    )
    headers = [(k, v) for k, v in page.headers if k.lower() not in DROPPED_HEADERS]
    headers.append(("Content-Length", str(len(page.body))))
    response = writer.create_warc_record(
        page.url,
        "response",
        payload=io.BytesIO(page.body),
        http_headers=StatusAndHeaders(f"{page.status} {_phrase(page.status)}", headers, protocol="HTTP/1.1"),
        warc_headers_dict={"WARC-Date": page.fetched_at},
    )
    writer.write_request_response_pair(request, response)
    response_id = response.rec_headers.get_header("WARC-Record-ID")
    if page.screenshot is not None:
        writer.write_record(_screenshot_record(writer, page, page.screenshot, response_id))
    pictures = []
    for image in page.images:  # inside the same offset and length: the lead's one SHA-256 covers them
        record = _image_record(writer, image, response_id)
        start = buffer.tell()
        writer.write_record(record)
        record_id = record.rec_headers.get_header("WARC-Record-ID")
        pictures.append((_sha(image.body), image.url, start, buffer.tell() - start, record_id, image.fetched_at))
    for revisit in page.revisits:  # a 304's record, pointing at the night the bytes came (revisits.py)
        writer.write_record(revisit_record(writer, revisit, response_id))
    data = buffer.getvalue()
    return Packed(data, hashlib.sha256(data).hexdigest(), tuple(pictures))


def _screenshot_record(writer: WARCWriter, page: Capture, png: bytes, response_id: str) -> ArcWarcRecord:
    """The PNG as a ``resource`` record tied to the response record it shows."""
    return writer.create_warc_record(
        SCREENSHOT_PREFIX + page.url,
        "resource",
        payload=io.BytesIO(png),
        warc_content_type="image/png",
        warc_headers_dict={"WARC-Date": page.fetched_at, "WARC-Concurrent-To": response_id},
    )


def _image_record(writer: WARCWriter, image: Capture, page_id: str) -> ArcWarcRecord:
    """A picture as a ``response`` record of its own URL, tied to its page (warcio adds its SHA-1 digests)."""
    headers = [(k, v) for k, v in image.headers if k.lower() not in DROPPED_HEADERS]
    headers.append(("Content-Length", str(len(image.body))))
    return writer.create_warc_record(
        image.url,
        "response",
        payload=io.BytesIO(image.body),
        http_headers=StatusAndHeaders(f"{image.status} {_phrase(image.status)}", headers, protocol="HTTP/1.1"),
        warc_headers_dict={"WARC-Date": image.fetched_at, "WARC-Concurrent-To": page_id},
    )


def read_bytes(directory: Path, file: str, offset: int, length: int) -> bytes:
    path = directory / file
    try:
        with path.open("rb") as handle:
            handle.seek(offset)
            return handle.read(length)
    except OSError as exc:
        raise TutorWatchError(f"{path}: cannot read evidence: {exc.strerror}") from None


def verify(directory: Path, file: str, offset: int, length: int, sha256: str) -> str | None:
    """None when the stored bytes still hash to ``sha256``, else what is wrong."""
    path = directory / file
    if not path.exists():
        return f"{path}：文件缺失"
    data = read_bytes(directory, file, offset, length)
    if len(data) != length:
        return f"{path}@{offset}：记录不完整（应有 {length} 字节，只有 {len(data)} 字节）"
    if hashlib.sha256(data).hexdigest() != sha256:
        return f"{path}@{offset}：SHA-256 与入库时记录的不符"
    return None


def verify_pictures(directory: Path, file: str, offset: int, length: int, locate: Locate) -> list[str]:
    """What is wrong with the originals a lead's revisit records point at (nothing when each is there and
    hashes to its digest): the pictures of a lead whose own bytes verified."""
    followed = revisits_in(directory, read_bytes(directory, file, offset, length), locate)
    return [f"图片 {picture.url}：{picture.problem}" for picture in followed if picture.problem]


@dataclass(frozen=True)
class KeptPage:
    """A lead's evidence as read back from its WARC records."""

    url: str  # final URL
    head: str  # HTTP status line and headers
    body: bytes
    screenshot: bytes | None  # the PNG of a rendered page
    images: tuple[KeptImage, ...] = ()  # pictures whose text produced a finding


@dataclass(frozen=True)
class KeptImage:
    url: str
    sha256: str  # of the body as kept: the sha256 a finding names
    content_type: str
    body: bytes
    revisit: str = ""  # for a picture answered 304: when, and where its bytes are ('' when they are right here)
    problem: str = ""  # a revisit whose original cannot be had or does not match (then body is b'')


def kept_page(directory: Path, file: str, offset: int, length: int, locate: Locate | None = None) -> KeptPage:
    """The stored response (and screenshot, if the page was rendered, and pictures) of one lead.

    A picture kept as a revisit record (answered 304) is read from the original record it refers
    to, found through ``locate`` (the store's picture index), and checked against its digest.
    """
    response: tuple[str, str, bytes] | None = None
    screenshot = None
    images = []
    data = read_bytes(directory, file, offset, length)
    for record in ArchiveIterator(io.BytesIO(data)):
        if record.rec_type == "response" and response is None:
            head = record.http_headers.to_str() if record.http_headers else ""
            response = (record.rec_headers.get_header("WARC-Target-URI"), head, record.content_stream().read())
        elif record.rec_type == "response":  # the page's pictures follow it
            body = record.content_stream().read()
            kind = record.http_headers.get_header("Content-Type", "") if record.http_headers else ""
            images.append(KeptImage(record.rec_headers.get_header("WARC-Target-URI"), _sha(body), kind, body))
        elif record.rec_type == "resource" and record.content_type == "image/png":
            screenshot = record.content_stream().read()
    if response is None:
        raise TutorWatchError(f"{directory / file}@{offset}: no response record there")
    for followed in revisits_in(directory, data, locate):
        where = f"未变（304）：{followed.confirmed_at} 网站答复未变，图片内容收到于 {followed.original_at}"
        body = followed.body if followed.body is not None else b""
        images.append(KeptImage(followed.url, followed.sha256, followed.content_type, body, where, followed.problem))
    return KeptPage(*response, screenshot, tuple(images))


def _sha(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()
