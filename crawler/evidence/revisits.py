"""Pictures answered 304 Not Modified kept as evidence: a WARC ``revisit`` record pointing at the stored original.

A picture whose text is cached is asked for conditionally (crawler/images/known.py); a 304
brings no bytes. When a finding quotes such a picture on a lead whose evidence is written
tonight, the lead's records hold, after its page, a ``revisit`` record with the WARC 1.0
``server-not-modified`` profile: the 304's own headers, WARC-Refers-To (the record ID of the
``response`` record that holds the picture's bytes, written on the night it was read),
WARC-Refers-To-Target-URI and -Date, and WARC-Payload-Digest ``sha256:<hex>`` — the SHA-256 the
finding names. The store indexes every picture record written (``picture_records``: SHA-256 →
file, offset, length, record ID), so ``evidence show`` and ``evidence verify`` follow the
reference: the original record must be where the index says, carry that record ID, and its
payload must hash to the digest. Anyone holding only the WARC files finds the original by its
record ID (any WARC indexer). The picture's bytes are written once, never copied into a record
dated on a night they were not received.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # warcio is imported where records are read or written: the store's picture cache needs
    # PictureRecord alone, and `scan` opens that cache without the crawl's libraries
    from warcio.recordloader import ArcWarcRecord
    from warcio.warcwriter import WARCWriter

    from crawler.evidence.warc import Capture

PROFILE = "http://netpreserve.org/warc/1.0/revisit/server-not-modified"  # our writer writes WARC/1.0
DROPPED_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}


@dataclass(frozen=True)
class PictureRecord:
    """Where a picture's bytes are kept: its ``response`` record inside a run's WARC file."""

    sha256: str
    url: str
    file: str
    offset: int
    length: int
    record_id: str
    fetched_at: str


@dataclass(frozen=True)
class PictureRevisit:
    """A picture a finding quotes that answered 304 tonight, and the record holding its bytes."""

    response: Capture  # the 304 as received: headers, request headers, time
    sha256: str  # of the bytes the 304 confirmed, as read on an earlier night
    original: PictureRecord


Locate = Callable[[str], PictureRecord | None]  # record ID → where the store indexed it


def revisit_record(writer: WARCWriter, revisit: PictureRevisit, page_id: str) -> ArcWarcRecord:
    """The ``revisit`` record of one picture: the 304's headers, pointing at the stored original."""
    from warcio.statusandheaders import StatusAndHeaders

    got = revisit.response
    headers = [(k, v) for k, v in got.headers if k.lower() not in DROPPED_HEADERS]
    return writer.create_warc_record(
        got.url,
        "revisit",
        http_headers=StatusAndHeaders(f"{got.status} {HTTPStatus(got.status).phrase}", headers, protocol="HTTP/1.1"),
        warc_headers_dict={
            "WARC-Date": got.fetched_at,
            "WARC-Profile": PROFILE,
            "WARC-Refers-To": revisit.original.record_id,
            "WARC-Refers-To-Target-URI": revisit.original.url,
            "WARC-Refers-To-Date": revisit.original.fetched_at,
            "WARC-Payload-Digest": f"sha256:{revisit.sha256}",
            "WARC-Concurrent-To": page_id,
        },
    )


@dataclass(frozen=True)
class FollowedPicture:
    """A revisit record read back: the picture's bytes from the original record, or why they cannot be had."""

    url: str
    sha256: str  # the digest the revisit names (the finding's)
    confirmed_at: str  # when the site answered 304
    original_at: str  # when the bytes were received
    body: bytes | None
    content_type: str
    problem: str  # '' when the original is there, carries the record ID and hashes to the digest


def _stored(record: ArcWarcRecord) -> str:
    digest = record.rec_headers.get_header("WARC-Payload-Digest") or ""
    return digest.removeprefix("sha256:") if digest.startswith("sha256:") else ""


def follow(directory: Path, record: ArcWarcRecord, locate: Locate | None) -> FollowedPicture:
    """Read the original a revisit record refers to, and check it is the one it names."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    refers = record.rec_headers.get_header("WARC-Refers-To") or ""
    sha = _stored(record)
    url = record.rec_headers.get_header("WARC-Target-URI") or ""
    confirmed = record.rec_headers.get_header("WARC-Date") or ""
    original_at = record.rec_headers.get_header("WARC-Refers-To-Date") or ""

    def fault(problem: str) -> FollowedPicture:
        return FollowedPicture(url, sha, confirmed, original_at, None, "", problem)

    where = locate(refers) if locate is not None and refers else None
    if where is None:
        return fault(f"原始记录 {refers or '（未注明）'} 不在图片索引中")
    path = directory / where.file
    try:
        with path.open("rb") as handle:
            handle.seek(where.offset)
            data = handle.read(where.length)
    except OSError as exc:
        return fault(f"{path}：无法读取原始记录：{exc.strerror}")
    try:
        original = next(iter(ArchiveIterator(io.BytesIO(data))), None)
        if original is None or original.rec_headers.get_header("WARC-Record-ID") != refers:
            return fault(f"{path}@{where.offset}：该位置没有记录 {refers}")
        body = original.content_stream().read()
    except (ArchiveLoadFailed, OSError, ValueError) as exc:
        return fault(f"{path}@{where.offset}：原始记录无法读取：{exc}")
    if hashlib.sha256(body).hexdigest() != sha:
        return fault(f"{path}@{where.offset}：原始记录的 SHA-256 与 304 记录中的摘要不符")
    kind = original.http_headers.get_header("Content-Type", "") if original.http_headers else ""
    return FollowedPicture(url, sha, confirmed, original_at, body, kind, "")


def revisits_in(directory: Path, data: bytes, locate: Locate | None) -> list[FollowedPicture]:
    """Every picture revisit record among a lead's records, followed."""
    from warcio.archiveiterator import ArchiveIterator

    return [
        follow(directory, record, locate)
        for record in ArchiveIterator(io.BytesIO(data))
        if record.rec_type == "revisit" and record.rec_headers.get_header("WARC-Profile") == PROFILE
    ]
