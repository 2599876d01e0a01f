"""What ``check`` tells an investigator about one page, as one record for the terminal and for JSON.

The analysis (score, findings by category with their evidence and the clause's words), what the
store knows of the page (lead id, verdict, first seen, times seen; whether it was known before
this check), the contacts read from it (VX / 薇信 / spaced digits undone) and where its evidence
is kept with its SHA-256; and the engine's stamp (rule-set hash, registry, model, threshold,
version) that produced the analysis.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from crawler.extraction.listing import Listing
from crawler.leads.explain import explain, explained
from crawler.leads.findings import by_category
from crawler.leads.localtime import shown
from crawler.leads.review import label
from crawler.leads.wording import contact_name
from detectors.contract import analysis_json
from detectors.models import Analysis


def lead_facts(row: sqlite3.Row | None, outcome: str, tz: ZoneInfo) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "lead_id": row["lead_id"],
        "known_before": outcome != "new",
        "verdict": row["status"],
        "verdict_label": label(row["status"]) or "待研判",
        "notes": row["notes"],
        "first_seen": row["first_seen"],
        "first_seen_local": shown(row["first_seen"], tz),
        "times_seen": row["times_seen"],
        "stamp": row["stamp"],  # what produced the stored analysis (rule-set hash, model, threshold, version)
    }


def evidence_facts(row: sqlite3.Row | None, folder: Path) -> dict[str, Any] | None:
    if row is None or not row["evidence_file"]:
        return None
    return {
        "file": str(folder / row["evidence_file"]),
        "offset": row["evidence_offset"],
        "length": row["evidence_length"],
        "sha256": row["evidence_sha256"],
    }


def page_facts(
    url: str,
    listing: Listing,
    analysis: Analysis,
    row: sqlite3.Row | None,
    outcome: str,
    folder: Path,
    tz: ZoneInfo,
) -> dict[str, Any]:
    """One checked page: ``analysis_json``'s fields plus the store's record, contacts, evidence, explanations."""
    evidence = by_category(analysis.findings)
    found = row["contacts"].split(";") if row is not None and row["contacts"] else list(analysis.contacts)
    return {
        "url": url,
        "canonical_url": listing.url,
        "site": listing.site,
        "title": listing.title,
        **analysis_json(url, analysis),
        "explanation": explain(evidence),
        "by_category": explained(evidence),
        "lead": lead_facts(row, outcome, tz),
        "contacts": [{"key": c, "label": contact_name(c)} for c in found if c],
        "evidence": evidence_facts(row, folder),
    }
