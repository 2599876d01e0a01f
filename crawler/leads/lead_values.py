"""What the store writes of a crawled page that depends only on its listing and analysis, made in one place.

The hashes of the page's content and extraction and the lead's columns (categories, rules, the
evidence by category as JSON …) were a third of the store's CPU per page, in the crawl process's
one thread. A page read and analysed in a detection worker (crawler/analysis/page_jobs.py) has them
made there too, by ``LeadValues.of``, and the store only writes them; every other page has them
made by the store, by the same function.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crawler.extraction.listing import Listing
from crawler.leads.findings import by_category, matched_text, stored
from crawler.leads.fingerprint import content_hash, extraction_hash
from crawler.leads.groups import GroupKeys
from detectors.models import Analysis

MAX_CONTACTS = 100  # contact keys kept per lead: a page listing thousands is spam, and groups.py looks each one up

Fingerprint = tuple[str, str, str]  # (content hash, categories, rules): a lead changes when one of them does


def analysis_columns(analysis: Analysis) -> dict[str, Any]:
    """The analysis as the flat columns of a lead row (the engine's, computed once: no folding here).

    The evidence by category (``findings``, ``matched_text``) is added only to a row that is written.
    """
    findings = analysis.findings
    return {
        "categories": ";".join(analysis.categories),
        "rules": ";".join(f.rule for f in findings),
        "basis": "; ".join(dict.fromkeys(clause for f in findings for clause in f.basis)),
        "score": analysis.score,
        "flagged": int(analysis.flagged),
        "contacts": ";".join(analysis.contacts[:MAX_CONTACTS]),
        "institutions": ";".join(analysis.institutions),
        "registry_status": analysis.registry,
        "minhash": analysis.signature,
        "stamp": str(analysis.stamp) if analysis.stamp is not None else "",
    }


def evidence_columns(analysis: Analysis) -> dict[str, str]:
    """The evidence by category, as the leads files and the workbook explain it (only for a row that is written)."""
    evidence = by_category(analysis.findings)
    return {"matched_text": matched_text(evidence), "findings": stored(evidence)}


@dataclass(frozen=True)
class LeadValues:
    """A page's content hash (what an analyst reads), extraction hash (every field: copies of one page),
    its analysis's lead columns and, when it is a lead, the evidence columns its row is written with."""

    content_hash: str
    extract_hash: str
    columns: dict[str, Any]
    evidence: dict[str, str] | None  # None: made by the store if the row is written (a page that is no lead)
    keys: GroupKeys | None = None  # a lead's index keys and own actor id (groups.py); None: the store makes them

    @property
    def fingerprint(self) -> Fingerprint:
        """What the store compares with the stored lead's to call it changed (and write its evidence again)."""
        return self.content_hash, self.columns["categories"], self.columns["rules"]

    @classmethod
    def of(cls, listing: Listing, analysis: Analysis) -> LeadValues:
        columns = analysis_columns(analysis)
        hashes = content_hash(listing), extraction_hash(listing)
        if not analysis.flagged:  # no lead: no row, no groups (a lead that stops being flagged has them made)
            return cls(*hashes, columns, None)
        return cls(*hashes, columns, evidence_columns(analysis), GroupKeys.of(columns["contacts"], columns["minhash"]))
