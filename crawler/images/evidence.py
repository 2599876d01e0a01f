"""Which pictures are kept as evidence beside their page: those whose text produced a finding."""

from __future__ import annotations

import dataclasses

from crawler.evidence.warc import Capture
from crawler.extraction.listing import CrawledListing


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
