"""Listing: one page's extracted fields, as the spider hands them to detection and the store."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING

from detectors.clean_text import clean_text
from detectors.models import Analysis, Document

if TYPE_CHECKING:  # names of the crawl's types only: `scan` reads listings without importing Scrapy or warcio
    from crawler.evidence.warc import Capture, Packed
    from crawler.images.fetching import FetchedImage
    from crawler.images.reading import ImageRead
    from crawler.leads.lead_values import LeadValues

# A listing's body is analysed up to this many characters (about 0.5 s of detection on a page of dense
# ads; a real listing holds a few thousand): a 10 MB page cannot hold the crawl for a minute or take
# gigabytes. The rest is not analysed and not stored; the whole page stays in the WARC evidence, and
# the body ends with a note saying so (CUT_NOTE). Every other field is cut at MAX_FIELD_CHARS.
MAX_ANALYSED_CHARS = 100_000
MAX_FIELD_CHARS = 2_000
CUT_NOTE = "\n\n[正文共 {total:,} 字，只分析并保存了前 {kept:,} 字；全文见证据]"
CUT_NOTE_RE = re.compile(r"\n\n\[正文共 ([\d,]+) 字，只分析并保存了前 ([\d,]+) 字；全文见证据\]\Z")
NOT_CUT = ("url", "fetched_url")  # URLs: Scrapy's URLLENGTH_LIMIT already bounds them


def cut_body(text: str, limit: int = MAX_ANALYSED_CHARS) -> str:
    """``text``, or its first characters and the note saying how long it was; never longer than ``limit``.

    Applying it again changes nothing (a listing rebuilt from Redis or JSON is not cut twice).
    """
    if len(text) <= limit:
        return text
    note = CUT_NOTE.format(total=len(text), kept=limit)
    kept = limit - len(note)
    return text[:kept] + CUT_NOTE.format(total=len(text), kept=kept)


def cut_field(text: str) -> str:
    """A field other than the body, cut at MAX_FIELD_CHARS (its last character then an ellipsis)."""
    return text if len(text) <= MAX_FIELD_CHARS else text[: MAX_FIELD_CHARS - 1] + "…"


def cut_lengths(body: str) -> tuple[int, int] | None:
    """(whole length, characters kept and analysed) of a body cut by ``cut_body``; None if all of it was kept."""
    note = CUT_NOTE_RE.search(body)
    return (int(note.group(1).replace(",", "")), int(note.group(2).replace(",", ""))) if note else None


@dataclass(frozen=True)
class Listing:
    url: str  # canonical URL: the page's identity across nights
    fetched_url: str
    site: str
    platform: str
    title: str
    body: str
    publisher: str = ""
    contact: str = ""
    city: str = ""
    district: str = ""
    price: str = ""
    posted_at: str = ""

    def __post_init__(self) -> None:
        """Crawled text is hostile: cleaned once here (detectors/clean_text.py) so every writer can write it,
        and bounded so one page cannot stall or exhaust the crawl. Cut before cleaning: clean_text keeps the
        length, so the result is the same, and a 4 M-character body is not cleaned whole (0.3 s in the event loop)."""
        for name in fields(self):
            value = getattr(self, name.name)
            if name.name == "body":
                value = cut_body(value)
            elif name.name not in NOT_CUT:
                value = cut_field(value)
            object.__setattr__(self, name.name, clean_text(value))

    def document(self) -> Document:
        """What the engine analyses of this listing (every path builds it here, so all get the same answer)."""
        return Document(self.title, self.body, self.platform, self.publisher, self.contact)


@dataclass
class CrawledListing:
    """The Scrapy item: a listing, plus its analysis once the detect pipeline has run.

    Its repr names the page only: Scrapy logs an item that failed in a pipeline, and a page's
    text and findings would make that one log line megabytes long.
    """

    listing: Listing
    capture: Capture | None = None  # the page as fetched, kept as evidence if it makes a lead
    analysis: Analysis | None = field(default=None)
    images: tuple[FetchedImage, ...] = ()  # the listing's pictures, when its site reads them
    image_reads: tuple[ImageRead, ...] = ()  # what became of each picture, once detection has run
    alias: str = ""  # the URL fetched, when the page is a byte-identical copy of listing.url (one lead)
    packed: Packed | None = None  # the capture's WARC records, made in a detection worker (analysis/page_jobs.py)
    values: LeadValues | None = None  # the store's hashes and columns of listing and analysis, made there too

    def __repr__(self) -> str:
        findings = len(self.analysis.findings) if self.analysis is not None else "no"
        return f"CrawledListing({self.listing.url!r}, {len(self.listing.body):,} characters, {findings} findings)"


@dataclass(frozen=True)
class KnownPage:
    """The Scrapy item for a detail page not downloaded tonight (fetched recently, or 304 Not Modified).

    The list page still links it, so its lead is seen tonight; ``recorded`` when the interrupted
    crawl this run resumes already stored it (then nothing is written twice).
    """

    url: str  # canonical URL
    site: str
    fetched: bool = False  # True for a 304: the site confirmed it unchanged tonight
    recorded: bool = False


Item = CrawledListing | KnownPage  # what the site spider yields to the pipelines
