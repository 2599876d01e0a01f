"""Evidence that holds up (固定证据): every page that yields a lead, kept as fetched in a WARC file.

One gzipped WARC file per run (data/evidence/run-<id>.warc.gz beside the database) holds, for
each new or changed lead, a request record and a response record (final URL, status, headers,
body, fetch time). The lead row keeps the file, the byte offset and length of the pair and the
SHA-256 of those bytes, so ``tutorwatch evidence verify`` can prove nothing changed since.
Scrapy hands over bodies already decompressed, so Content-Encoding is dropped from the stored
headers and Content-Length set to the stored body.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from detectors.errors import TutorWatchError

DROPPED_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}


@dataclass(frozen=True)
class Capture:
    """A fetched page as the spider saw it."""

    url: str  # final URL, after redirects
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    request_headers: tuple[tuple[str, str], ...]
    fetched_at: str  # ISO 8601, UTC


@dataclass(frozen=True)
class EvidenceRef:
    file: str  # name inside the evidence directory
    offset: int
    length: int
    sha256: str
    fetched_at: str


def capture(response: object) -> Capture:
    """The evidence of a Scrapy response (and its request)."""

    def pairs(headers: object) -> tuple[tuple[str, str], ...]:
        return tuple(
            (key.decode("latin-1"), value.decode("latin-1"))
            for key, values in headers.items()  # type: ignore[attr-defined]
            for value in values
        )

    return Capture(
        url=response.url,  # type: ignore[attr-defined]
        status=response.status,  # type: ignore[attr-defined]
        headers=pairs(response.headers),  # type: ignore[attr-defined]
        body=response.body,  # type: ignore[attr-defined]
        request_headers=pairs(response.request.headers),  # type: ignore[attr-defined]
        fetched_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


class EvidenceWriter:
    """Appends request/response pairs to one WARC file; each append is its own gzip members."""

    def __init__(self, directory: Path, run_id: int) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.name = f"run-{run_id}.warc.gz"
        self.path = directory / self.name

    def write(self, page: Capture) -> EvidenceRef:
        buffer = io.BytesIO()
        writer = WARCWriter(buffer, gzip=True)
        parts = urlsplit(page.url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        request = writer.create_warc_record(
            page.url,
            "request",
            payload=io.BytesIO(b""),
            http_headers=StatusAndHeaders(
                f"GET {target or '/'} HTTP/1.1", [("Host", parts.netloc), *page.request_headers], is_http_request=True
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
        data = buffer.getvalue()
        with self.path.open("ab") as handle:
            offset = handle.tell()
            handle.write(data)
            handle.flush()
        return EvidenceRef(self.name, offset, len(data), hashlib.sha256(data).hexdigest(), page.fetched_at)


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
        return f"{path}: missing"
    data = read_bytes(directory, file, offset, length)
    if len(data) != length:
        return f"{path}@{offset}: truncated ({len(data)} of {length} bytes)"
    if hashlib.sha256(data).hexdigest() != sha256:
        return f"{path}@{offset}: SHA-256 differs from the one recorded"
    return None


def original_page(directory: Path, file: str, offset: int, length: int) -> tuple[str, str, bytes]:
    """(final URL, HTTP status line and headers, body) of the stored response."""
    for record in ArchiveIterator(io.BytesIO(read_bytes(directory, file, offset, length))):
        if record.rec_type == "response":
            head = record.http_headers.to_str() if record.http_headers else ""
            return record.rec_headers.get_header("WARC-Target-URI"), head, record.content_stream().read()
    raise TutorWatchError(f"{directory / file}@{offset}: no response record there")
