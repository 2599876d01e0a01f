"""Which pictures are kept as evidence beside their page: those whose text produced a finding."""

from __future__ import annotations

import dataclasses
import mimetypes
from pathlib import Path

from crawler.evidence.warc import Capture, KeptImage
from crawler.extraction.listing import CrawledListing
from crawler.leads.export import write_atomic


def with_pictures(page: Capture, item: CrawledListing) -> Capture:
    """The page's capture with the pictures a finding quotes (by SHA-256), each once, in page order."""
    if item.analysis is None or not item.images:
        return page
    quoted = {finding.image.sha256 for finding in item.analysis.findings if finding.image is not None}
    kept: dict[str, Capture] = {}
    for image in item.images:
        if image.capture is not None and image.sha256 in quoted:
            kept.setdefault(image.sha256, image.capture)
    return dataclasses.replace(page, images=tuple(kept.values())) if kept else page


def pictures_kept(images: tuple[KeptImage, ...]) -> str:
    """Lines for ``evidence show``: each kept picture's URL, type, size and SHA-256 ('' when none)."""
    return "".join(
        f"picture {number}: {image.url} ({image.content_type or '?'}, {len(image.body)} bytes) sha256 {image.sha256}\n"
        for number, image in enumerate(images, start=1)
    )


def write_pictures(images: tuple[KeptImage, ...], folder: Path) -> list[Path]:
    """Each kept picture as ``<n>-<sha256 prefix><extension>`` in ``folder``, written atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for number, image in enumerate(images, start=1):
        kind = image.content_type.split(";")[0].strip().lower()
        extension = mimetypes.guess_extension(kind) or ".bin"
        path = folder / f"{number}-{image.sha256[:12]}{extension}"
        write_atomic(path, image.body)
        written.append(path)
    return written
