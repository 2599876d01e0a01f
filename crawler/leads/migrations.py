"""Versioned schema steps; PRAGMA user_version records how far a database has come."""

from __future__ import annotations

import sqlite3

from detectors.errors import TutorWatchError

MIGRATIONS: tuple[str, ...] = (
    # 1: runs, every crawled page, and the leads with the analyst's verdict
    """
    CREATE TABLE runs (
        run_id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        status TEXT NOT NULL DEFAULT 'running'
    );
    CREATE TABLE run_sites (
        run_id INTEGER NOT NULL REFERENCES runs(run_id),
        site TEXT NOT NULL,
        pages INTEGER NOT NULL,
        listings INTEGER NOT NULL,
        errors INTEGER NOT NULL,
        finish_reason TEXT NOT NULL,
        PRIMARY KEY (run_id, site)
    );
    CREATE TABLE pages (
        url TEXT PRIMARY KEY,
        site TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL
    );
    CREATE TABLE leads (
        lead_id TEXT PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        site TEXT NOT NULL,
        platform TEXT NOT NULL,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        publisher TEXT NOT NULL,
        contact TEXT NOT NULL,
        city TEXT NOT NULL,
        district TEXT NOT NULL,
        price TEXT NOT NULL,
        posted_at TEXT NOT NULL,
        categories TEXT NOT NULL,
        rules TEXT NOT NULL,
        matched_text TEXT NOT NULL,
        basis TEXT NOT NULL,
        score REAL NOT NULL,
        flagged INTEGER NOT NULL,
        content_hash TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        changed_at TEXT NOT NULL,
        times_seen INTEGER NOT NULL DEFAULT 1,
        status TEXT NOT NULL DEFAULT '',
        notes TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX leads_changed ON leads(changed_at);
    """,
    # 2: what the page said when the analyst gave the verdict, so a changed page can return
    """
    ALTER TABLE leads ADD COLUMN verdict_hash TEXT NOT NULL DEFAULT '';
    ALTER TABLE leads ADD COLUMN reviewed_at TEXT NOT NULL DEFAULT '';
    """,
    # 3: where the page that made (or last changed) the lead is kept as evidence
    """
    ALTER TABLE leads ADD COLUMN evidence_file TEXT NOT NULL DEFAULT '';
    ALTER TABLE leads ADD COLUMN evidence_offset INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE leads ADD COLUMN evidence_length INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE leads ADD COLUMN evidence_sha256 TEXT NOT NULL DEFAULT '';
    ALTER TABLE leads ADD COLUMN fetched_at TEXT NOT NULL DEFAULT '';
    """,
    # 4: who is behind a lead: normalised contacts and institution names
    """
    ALTER TABLE leads ADD COLUMN contacts TEXT NOT NULL DEFAULT '';
    ALTER TABLE leads ADD COLUMN institutions TEXT NOT NULL DEFAULT '';
    """,
    # 5: what the licence registry says of the institution behind a lead
    """
    ALTER TABLE leads ADD COLUMN registry_status TEXT NOT NULL DEFAULT '';
    """,
    # 6: MinHash signature of the listing's text, to group reposts of one ad into a case
    """
    ALTER TABLE leads ADD COLUMN minhash BLOB NOT NULL DEFAULT x'';
    """,
    # 7: what each run did to each lead (new / changed / seen), for the run reports and their trend
    """
    CREATE TABLE run_leads (
        run_id INTEGER NOT NULL REFERENCES runs(run_id),
        lead_id TEXT NOT NULL REFERENCES leads(lead_id),
        outcome TEXT NOT NULL CHECK (outcome IN ('new', 'changed', 'seen')),
        PRIMARY KEY (run_id, lead_id)
    );
    CREATE INDEX run_leads_lead ON run_leads(lead_id);
    """,
)


def migrate(conn: sqlite3.Connection) -> None:
    """Bring a database up to the current schema, one committed step at a time."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise TutorWatchError(
            f"database schema version {version} is newer than this TutorWatch ({len(MIGRATIONS)}); upgrade TutorWatch"
        )
    for number in range(version + 1, len(MIGRATIONS) + 1):
        conn.executescript(f"BEGIN; {MIGRATIONS[number - 1]} PRAGMA user_version = {number}; COMMIT;")
