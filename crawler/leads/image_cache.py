"""The store's pictures: the text of every picture ever read, by the SHA-256 of its bytes (read once per store
and stamp), each listing's pictures, which bytes a URL gave, and a night's picture counts.

The stamp names the OCR engine, its version and the settings, so a new engine or setting reads
pictures again. Rows are written through the crawl's one store connection (inside its open
batch). The SQL of pictures lives here, beside the rest of the store's (crawler/leads/).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable
from functools import cache
from importlib.metadata import PackageNotFoundError, version

from crawler.evidence.revisits import PictureRecord
from crawler.images.reading import OCR_SETTINGS, ImageRead
from detectors.ocr import ImageText, OcrSettings, Problem, TextLine


@cache  # asked per stored listing: the package metadata is read once
def ocr_stamp(settings: OcrSettings = OCR_SETTINGS) -> str:
    """Engine, its version and a hash of every setting: what a cached text was read with."""
    try:
        engine_version = version("rapidocr-onnxruntime")
    except PackageNotFoundError:
        engine_version = "unknown"
    return f"{settings.engine}-{engine_version}-{hashlib.sha256(repr(settings).encode()).hexdigest()[:10]}"


def to_json(text: ImageText) -> str:
    return json.dumps(
        {
            "lines": [[line.text, line.confidence, [list(point) for point in line.box]] for line in text.lines],
            "problem": text.problem.value if text.problem is not None else None,
            "detail": text.detail,
            "width": text.width,
            "height": text.height,
            "format": text.format,
            "animated": text.animated,
            "cut": text.cut,
        },
        ensure_ascii=False,
    )


def from_json(sha256: str, raw: str) -> ImageText:
    data = json.loads(raw)
    lines = tuple(TextLine(t, c, tuple((int(x), int(y)) for x, y in box)) for t, c, box in data["lines"])  # type: ignore[misc]
    problem = Problem(data["problem"]) if data["problem"] else None
    return ImageText(
        sha256,
        lines,
        problem,
        data["detail"],
        data["width"],
        data["height"],
        data["format"],
        data["animated"],
        data["cut"],
    )


# what became of a picture, the night report's counts: read tonight; its text cached (bytes downloaded again);
# unchanged (the site answered 304, its text cached); skipped (too small); failed
OUTCOMES = ("read", "cached", "unchanged", "skipped", "failed")
RECORD_COLUMNS = "sha256, url, file, offset, length, record_id, fetched_at"


class ImageCache:
    """Look-ups and writes on one store connection (the crawl's shared one: same thread, same batch)."""

    def __init__(self, conn: sqlite3.Connection, stamp: str | None = None) -> None:
        self.conn = conn
        self.stamp = stamp or ocr_stamp()

    def _by_hash(self, query: str, hashes: Iterable[str], *before: str) -> list[tuple]:
        """Rows of ``query``, whose last condition is ``sha256 IN ({marks})``, for these hashes (a listing's few)."""
        wanted = sorted(set(hashes))
        if not wanted:
            return []
        return self.conn.execute(query.format(marks=",".join("?" * len(wanted))), (*before, *wanted)).fetchall()

    def texts(self, hashes: Iterable[str]) -> dict[str, ImageText]:
        rows = self._by_hash(
            "SELECT sha256, text_json FROM image_text WHERE stamp = ? AND sha256 IN ({marks})", hashes, self.stamp
        )
        return {sha: from_json(sha, raw) for sha, raw in rows}

    def remember(
        self, reads: Iterable[ImageRead], at: str, validators: dict[str, tuple[str, str]] | None = None
    ) -> None:
        """Store what was read tonight (first read wins), and the bytes each URL gave with its ETag and
        Last-Modified (``validators`` by URL), for a conditional request next time."""
        reads = list(reads)
        validators = validators or {}
        fresh = [(r.sha256, self.stamp, to_json(r.text), at, at) for r in reads if r.text is not None]
        self.conn.executemany(
            "INSERT INTO image_text (sha256, stamp, text_json, first_seen, last_seen) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (sha256, stamp) DO UPDATE SET last_seen = excluded.last_seen",
            fresh,
        )
        self.conn.executemany(
            "INSERT INTO image_url (url, sha256, seen_at, etag, last_modified) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (url) DO UPDATE SET sha256 = excluded.sha256, seen_at = excluded.seen_at,"
            " etag = excluded.etag, last_modified = excluded.last_modified",
            [
                (r.source, r.sha256, at, *validators.get(r.source, ("", "")))
                for r in reads
                if r.sha256 and r.source.startswith(("http://", "https://"))  # not scan's files
            ],
        )

    def share(self, reads: Iterable[ImageRead], at: str, validators: dict[str, tuple[str, str]]) -> None:
        """Nothing: in the store, a listing's picture rows are written with the listing (crawler/pipelines/store.py)."""

    def remember_records(self, records: Iterable[PictureRecord]) -> None:
        """Where pictures kept as evidence have their bytes (the first record of a picture stays)."""
        self.conn.executemany(
            f"INSERT OR IGNORE INTO picture_records ({RECORD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(r.sha256, r.url, r.file, r.offset, r.length, r.record_id, r.fetched_at) for r in records],
        )

    def originals(self, hashes: Iterable[str]) -> dict[str, PictureRecord]:
        """The record holding each picture's bytes, for those a WARC record keeps."""
        rows = self._by_hash(f"SELECT {RECORD_COLUMNS} FROM picture_records WHERE sha256 IN ({{marks}})", hashes)
        return {row[0]: PictureRecord(*row) for row in rows}

    def kept(self, hashes: Iterable[str]) -> set[str]:
        """Which of these pictures a WARC record keeps (a 304 of one of them needs no download for evidence)."""
        return set(self.originals(hashes))

    def record(self, record_id: str) -> PictureRecord | None:
        """The indexed picture record with this WARC-Record-ID (a revisit record's WARC-Refers-To)."""
        row = self.conn.execute(
            f"SELECT {RECORD_COLUMNS} FROM picture_records WHERE record_id = ?", (record_id,)
        ).fetchone()
        return PictureRecord(*row) if row is not None else None

    def remember_listing(self, url: str, reads: Iterable[ImageRead]) -> None:
        """Which pictures (by number on the page) a listing had the last time it was fetched."""
        self.conn.execute("DELETE FROM listing_images WHERE url = ?", (url,))
        self.conn.executemany(
            "INSERT INTO listing_images (url, number, source, sha256) VALUES (?, ?, ?, ?)",
            [(url, number, read.source, read.sha256) for number, read in enumerate(reads, start=1) if read.sha256],
        )

    def lead_pictures(self, lead_ids: list[str]) -> dict[str, list[tuple[str, ImageText | None]]]:
        """Per lead, its pictures in page order as ``with_images`` takes them (None where a number has no text)."""
        if not lead_ids:
            return {}
        marks = ",".join("?" * len(lead_ids))
        rows = self.conn.execute(
            "SELECT l.lead_id, i.number, i.source, i.sha256, t.text_json FROM leads l"
            " JOIN listing_images i ON i.url = l.url"
            " LEFT JOIN image_text t ON t.sha256 = i.sha256 AND t.stamp = ?"
            f" WHERE l.lead_id IN ({marks}) ORDER BY l.lead_id, i.number",
            (self.stamp, *lead_ids),
        ).fetchall()
        found: dict[str, list[tuple[str, ImageText | None]]] = {}
        for lead_id, number, source, sha256, raw in rows:
            pictures = found.setdefault(lead_id, [])
            pictures.extend([("", None)] * (number - 1 - len(pictures)))
            pictures.append((source, from_json(sha256, raw) if raw else None))
        return found

    def record_counts(self, run_id: int, site: str, counts: dict[str, int]) -> None:
        """The night's counts of one site's pictures, for the report."""
        self.conn.executemany(
            "INSERT OR REPLACE INTO run_images (run_id, site, outcome, images) VALUES (?, ?, ?, ?)",
            [(run_id, site, outcome, counts.get(outcome, 0)) for outcome in OUTCOMES],
        )

    def counts(self, run_id: int) -> list[dict]:
        """One row per site that read pictures in the run, with each outcome's count."""
        sites: dict[str, dict] = {}
        for site, outcome, images in self.conn.execute(
            "SELECT site, outcome, images FROM run_images WHERE run_id = ? ORDER BY site", (run_id,)
        ):
            sites.setdefault(site, {"site": site, **dict.fromkeys(OUTCOMES, 0)})[outcome] = images
        return list(sites.values())
