"""Listing: one page's extracted fields, as the spider hands them to detection and the store."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from crawler.evidence.warc import Capture
from crawler.images.fetching import FetchedImage
from crawler.images.reading import ImageRead
from detectors.models import Analysis, Document
from detectors.surrogates import replace_surrogates


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
        """Crawled text is hostile: a lone surrogate (from JSON or a character reference) would fail every writer."""
        for name in fields(self):
            object.__setattr__(self, name.name, replace_surrogates(getattr(self, name.name)))

    def document(self) -> Document:
        """What the engine analyses of this listing (every path builds it here, so all get the same answer)."""
        return Document(self.title, self.body, self.platform, self.publisher, self.contact)


@dataclass
class CrawledListing:
    """The Scrapy item: a listing, plus its analysis once the detect pipeline has run."""

    listing: Listing
    capture: Capture | None = None  # the page as fetched, kept as evidence if it makes a lead
    analysis: Analysis | None = field(default=None)
    images: tuple[FetchedImage, ...] = ()  # the listing's pictures, when its site reads them
    image_reads: tuple[ImageRead, ...] = ()  # what became of each picture, once detection has run


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
