"""Which pictures are kept as evidence beside their page: those whose text produced a finding."""

from __future__ import annotations

import dataclasses
import mimetypes
from collections.abc import Callable, Iterable
from pathlib import Path

from crawler.evidence.revisits import PictureRecord, PictureRevisit
from crawler.evidence.warc import Capture, KeptImage
from crawler.extraction.listing import CrawledListing
from crawler.leads.export import write_atomic

Originals = Callable[[Iterable[str]], dict[str, PictureRecord]]  # SHA-256s → where a WARC record keeps their bytes


def quoted(item: CrawledListing) -> set[str]:
    """The SHA-256 of every picture a finding of the listing quotes."""
    findings = item.analysis.findings if item.analysis is not None else ()
    return {finding.image.sha256 for finding in findings if finding.image is not None}


def with_pictures(page: Capture, item: CrawledListing, originals: Originals | None = None) -> Capture:
    """The page's capture with the pictures a finding quotes (by SHA-256), each once, in page order.

    A quoted picture fetched tonight is kept whole; one answered 304 becomes a revisit record
    pointing at the record that holds its bytes (``originals``: the store's picture index).
    """
    if not item.images:  # most pages: nothing to look up in the findings
        return page
    wanted = quoted(item)
    if not wanted:
        return page
    kept: dict[str, Capture] = {}
    for image in item.images:
        if image.capture is not None and image.sha256 in wanted:
            kept.setdefault(image.sha256, image.capture)
    unchanged = [i for i in item.images if i.not_modified is not None and i.unchanged in wanted - kept.keys()]
    where = originals([image.unchanged for image in unchanged]) if originals is not None and unchanged else {}
    revisits: dict[str, PictureRevisit] = {}
    for image in unchanged:
        if image.unchanged in where and image.not_modified is not None:
            revisit = PictureRevisit(image.not_modified, image.unchanged, where[image.unchanged])
            revisits.setdefault(image.unchanged, revisit)
    if not kept and not revisits:
        return page
    return dataclasses.replace(page, images=tuple(kept.values()), revisits=tuple(revisits.values()))


def pictures_kept(images: tuple[KeptImage, ...]) -> str:
    """Lines for ``evidence show``: each kept picture's URL, type, size and SHA-256 ('' when none); for one
    answered 304, when, and where its bytes were read from (or why they cannot be)."""
    lines = []
    for number, image in enumerate(images, start=1):
        size = f"{image.content_type or '?'}，{len(image.body)} 字节"
        line = f"图片 {number}：{image.url}（{size}）SHA-256 {image.sha256}"
        if image.revisit:
            line += f"\n  {image.revisit}：" + (image.problem or "从原始记录读出，摘要校验通过")
        lines.append(line + "\n")
    return "".join(lines)


def write_pictures(images: tuple[KeptImage, ...], folder: Path) -> list[Path]:
    """Each kept picture as ``<n>-<sha256 prefix><extension>`` in ``folder``, written atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for number, image in enumerate(images, start=1):
        if image.problem:  # a revisit whose original is missing: nothing to write
            continue
        kind = image.content_type.split(";")[0].strip().lower()
        extension = mimetypes.guess_extension(kind) or ".bin"
        path = folder / f"{number}-{image.sha256[:12]}{extension}"
        write_atomic(path, image.body)
        written.append(path)
    return written
