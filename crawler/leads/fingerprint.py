"""Identity of a lead and of a page's content, free of volatile fields (query noise, crawl time)."""

from __future__ import annotations

import hashlib
import unicodedata

from crawler.extraction.listing import Listing


def lead_id(canonical_url: str) -> str:
    """Stable id of the page: the same canonical URL gets the same id every night."""
    return "L" + hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()[:12]


def content_hash(listing: Listing) -> str:
    """Hash of what an analyst reads; whitespace, width (全角) and case differences are not changes.

    Computed for every page of every night, so it is plain NFKC in C, not the detectors' folding.
    """
    fields = (listing.title, listing.body, listing.publisher, listing.contact, listing.price)
    text = "\x1f".join("".join(unicodedata.normalize("NFKC", value).casefold().split()) for value in fields)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


EXTRACTED = ("title", "body", "publisher", "contact", "city", "district", "price", "posted_at")


def extraction_hash(listing: Listing) -> str:
    """Hash of everything extracted from a page, byte for byte: two URLs of one site with the same
    hash show the same page (a tracking parameter made them differ)."""
    text = "\x1f".join(getattr(listing, name) for name in EXTRACTED)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
