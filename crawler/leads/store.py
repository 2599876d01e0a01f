"""The SQLite leads store: runs, pages seen, and leads whose analyst verdict survives every re-crawl.

Every write is one transaction; WAL mode lets a killed crawl leave a consistent file.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

from crawler.evidence import EvidenceRef
from crawler.leads.duplicates import signature
from crawler.leads.fingerprint import content_hash, lead_id
from crawler.leads.migrations import migrate
from crawler.listing import Listing
from detectors.contacts import contacts, fold, institutions
from detectors.errors import TutorWatchError
from detectors.models import Analysis

DEFAULT_DB = Path(__file__).resolve().parents[2] / "data" / "tutorwatch.db"


def evidence_dir(db: Path) -> Path:
    """Evidence WARC files live beside the database they belong to."""
    return db.parent / "evidence"


def now() -> str:
    """Local wall-clock time, to the second: what the analyst reads in first_seen / last_seen."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


def analysis_columns(analysis: Analysis) -> dict[str, Any]:
    """The analysis as the flat, readable columns of a lead row."""
    findings = analysis.findings
    matched = dict.fromkeys(f.span.text for f in findings)
    return {
        "categories": ";".join(analysis.categories),
        "rules": ";".join(f.rule for f in findings),
        "matched_text": " | ".join(matched),
        "basis": "; ".join(dict.fromkeys(clause for f in findings for clause in f.basis)),
        "score": analysis.score,
        "flagged": int(analysis.flagged),
    }


class LeadStore:
    """One database file; open it, use it, close it (also as a context manager)."""

    def __init__(self, path: Path = DEFAULT_DB) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(path, isolation_level=None)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA busy_timeout=10000")
            migrate(self.conn)
        except sqlite3.DatabaseError as exc:
            raise TutorWatchError(f"{path}: cannot open the leads database: {exc}") from None

    def __enter__(self) -> LeadStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    def _tx(self, sql: str, params: tuple | dict = ()) -> sqlite3.Cursor:
        with self.conn:
            self.conn.execute("BEGIN IMMEDIATE")
            return self.conn.execute(sql, params)

    def start_run(self, kind: str) -> int:
        cur = self._tx("INSERT INTO runs (kind, started_at) VALUES (?, ?)", (kind, now()))
        return int(cur.lastrowid or 0)

    def finish_run(self, run_id: int, status: str) -> None:
        self._tx("UPDATE runs SET finished_at = ?, status = ? WHERE run_id = ?", (now(), status, run_id))

    def record_site(self, run_id: int, site: str, pages: int, listings: int, errors: int, reason: str) -> None:
        self._tx(
            "INSERT OR REPLACE INTO run_sites VALUES (?, ?, ?, ?, ?, ?)",
            (run_id, site, pages, listings, errors, reason),
        )

    def site_results(self, run_id: int) -> list[sqlite3.Row]:
        return self.conn.execute("SELECT * FROM run_sites WHERE run_id = ? ORDER BY site", (run_id,)).fetchall()

    def needs_evidence(self, listing: Listing, analysis: Analysis) -> bool:
        """Whether this page should be kept as evidence: a lead that is new, changed or has none yet."""
        row = self.conn.execute(
            "SELECT content_hash, evidence_sha256 FROM leads WHERE lead_id = ?", (lead_id(listing.url),)
        ).fetchone()
        if row is None:
            return analysis.flagged
        return row["content_hash"] != content_hash(listing) or not row["evidence_sha256"]

    def upsert(
        self,
        listing: Listing,
        analysis: Analysis,
        seen_at: str | None = None,
        evidence: EvidenceRef | None = None,
        registry: str = "",
        run_id: int | None = None,
    ) -> str:
        """Record one crawled page; returns 'new', 'changed', 'seen' (a lead) or 'clean' (no lead).

        A lead's first_seen, status and notes are never overwritten; its analysis is replaced
        only when the page's content or findings changed. With ``run_id`` the outcome is also
        kept per run (run_leads), which the run reports count.
        """
        at = seen_at or now()
        digest = content_hash(listing)
        text, extra = fold(f"{listing.title}\n{listing.body}"), fold(f"{listing.contact}\n{listing.publisher}")
        row = {
            "lead_id": lead_id(listing.url),
            "url": listing.url,
            "site": listing.site,
            "platform": listing.platform,
            "title": listing.title,
            "body": listing.body,
            "publisher": listing.publisher,
            "contact": listing.contact,
            "city": listing.city,
            "district": listing.district,
            "price": listing.price,
            "posted_at": listing.posted_at,
            "content_hash": digest,
            "at": at,
            "contacts": ";".join(contacts(f"{text}\n{extra}")),
            "institutions": ";".join(institutions(f"{extra}\n{text}")),
            "registry_status": registry,
            "minhash": signature(text),
            **analysis_columns(analysis),
        }
        if evidence is not None:
            row.update(
                evidence_file=evidence.file,
                evidence_offset=evidence.offset,
                evidence_length=evidence.length,
                evidence_sha256=evidence.sha256,
                fetched_at=evidence.fetched_at,
            )
        with self.conn:
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.execute(
                "INSERT INTO pages VALUES (:url, :site, :content_hash, :at, :at) ON CONFLICT(url) DO UPDATE"
                " SET content_hash = excluded.content_hash, last_seen = excluded.last_seen",
                row,
            )
            old = self.conn.execute(
                "SELECT content_hash, categories, rules FROM leads WHERE lead_id = ?", (row["lead_id"],)
            ).fetchone()
            if old is None:
                if not analysis.flagged:
                    return "clean"
                self.conn.execute(
                    "INSERT INTO leads (lead_id, url, site, platform, title, body, publisher, contact, city, district,"
                    " price, posted_at, categories, rules, matched_text, basis, score, flagged, content_hash,"
                    " first_seen, last_seen, changed_at, contacts, institutions, registry_status, minhash)"
                    " VALUES (:lead_id, :url, :site, :platform, :title, :body, :publisher, :contact, :city, :district,"
                    " :price, :posted_at,"
                    " :categories, :rules, :matched_text, :basis, :score, :flagged, :content_hash, :at, :at, :at,"
                    " :contacts, :institutions, :registry_status, :minhash)",
                    row,
                )
                self._keep_evidence(row)
                self._note_outcome(run_id, row["lead_id"], "new")
                return "new"
            changed = (old["content_hash"], old["categories"], old["rules"]) != (
                digest,
                row["categories"],
                row["rules"],
            )
            if changed:
                self.conn.execute(
                    "UPDATE leads SET site = :site, platform = :platform, title = :title, body = :body,"
                    " publisher = :publisher, contact = :contact, city = :city, district = :district, price = :price,"
                    " posted_at = :posted_at, categories = :categories, rules = :rules, matched_text = :matched_text,"
                    " basis = :basis, score = :score, flagged = :flagged, content_hash = :content_hash,"
                    " changed_at = :at, contacts = :contacts, institutions = :institutions,"
                    " registry_status = :registry_status, minhash = :minhash WHERE lead_id = :lead_id",
                    row,
                )
            self.conn.execute(
                "UPDATE leads SET last_seen = :at, times_seen = times_seen + 1 WHERE lead_id = :lead_id", row
            )
            self._keep_evidence(row)
            outcome = "changed" if changed else "seen"
            self._note_outcome(run_id, row["lead_id"], outcome)
            return outcome

    def _note_outcome(self, run_id: int | None, lead: str, outcome: str) -> None:
        if run_id is not None:  # the first outcome of a lead in a run stands (a page seen twice stays 'new')
            self.conn.execute("INSERT OR IGNORE INTO run_leads VALUES (?, ?, ?)", (run_id, lead, outcome))

    def _keep_evidence(self, row: dict) -> None:
        if "evidence_sha256" in row:
            self.conn.execute(
                "UPDATE leads SET evidence_file = :evidence_file, evidence_offset = :evidence_offset,"
                " evidence_length = :evidence_length, evidence_sha256 = :evidence_sha256, fetched_at = :fetched_at"
                " WHERE lead_id = :lead_id",
                row,
            )

    def leads(self, changed_since: str | None = None) -> list[sqlite3.Row]:
        """Lead rows, highest score first; only those new or changed since a time when given."""
        sql = "SELECT * FROM leads"
        params: tuple = ()
        if changed_since is not None:
            sql += " WHERE changed_at >= ?"
            params = (changed_since,)
        return self.conn.execute(sql + " ORDER BY score DESC, first_seen, lead_id", params).fetchall()
