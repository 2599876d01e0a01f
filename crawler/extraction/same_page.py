"""Copies of one page under several URLs of a site: one lead, and the parameter that made them differ.

Two URLs of one site whose extracted pages are byte-identical (every field) show the same page;
a query parameter that is not in the config's drop list made them differ (``?utm=x``, ``?from=hot``).
The copy becomes an alias of the page first seen (earliest in the store, else earlier tonight),
and the parameter is noted once per night, with how many pages it duplicated, for the run report.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from crawler.extraction.listing import Listing
from crawler.fetching.revisit import KnownPages
from crawler.leads.fingerprint import extraction_hash

MAX_REMEMBERED = 100_000  # extracted pages remembered per site and night (a night is at most max_pages)


def differing_params(url: str, other: str) -> list[str]:
    """Query parameters whose values differ between two URLs (``(path)`` when only the path does)."""
    mine, theirs = urlsplit(url), urlsplit(other)
    a, b = dict(parse_qsl(mine.query, keep_blank_values=True)), dict(parse_qsl(theirs.query, keep_blank_values=True))
    params = sorted(key for key in a.keys() | b.keys() if a.get(key) != b.get(key))
    return params or ["(path)"]


@dataclass
class Noted:
    pages: int
    url: str  # an example copy
    same_as: str


class SamePages:
    def __init__(self, site: str, known: KnownPages) -> None:
        self.site = site
        self.known = known
        self.first_urls: dict[str, str] = {}
        self.params: dict[str, Noted] = {}

    def first_url(self, listing: Listing, digest: str = "") -> str:
        """The URL of the page this listing's extraction was first seen under (its own when it is new);
        ``digest``: its extraction_hash, when it was made already."""
        digest = digest or extraction_hash(listing)
        first = self.known.first_with(self.site, digest) or self.first_urls.get(digest)
        if first is None:
            if len(self.first_urls) < MAX_REMEMBERED:
                self.first_urls[digest] = listing.url
            return listing.url
        if first != listing.url:
            for param in differing_params(listing.url, first):
                noted = self.params.setdefault(param, Noted(0, listing.url, first))
                noted.pages += 1
        return first

    def rows(self) -> list[tuple[str, int, str, str]]:
        """(param, pages, an example URL, the page it copies) for the run report."""
        return [(param, n.pages, n.url, n.same_as) for param, n in sorted(self.params.items())]
