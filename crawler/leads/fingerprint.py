"""Identity of a lead and of a page's content, free of volatile fields (query noise, crawl time)."""

from __future__ import annotations

import hashlib

from crawler.listing import Listing
from detectors.normalize import normalize


def lead_id(canonical_url: str) -> str:
    """Stable id of the page: the same canonical URL gets the same id every night."""
    return "L" + hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()[:12]


def content_hash(listing: Listing) -> str:
    """Hash of what an analyst reads; whitespace and width differences do not count as changes."""
    fields = (listing.title, listing.body, listing.publisher, listing.contact, listing.price)
    text = "\x1f".join("".join(normalize(value).text.split()) for value in fields)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
