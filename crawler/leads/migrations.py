"""Versioned schema steps; PRAGMA user_version records how far a database has come.

A step is SQL, or a Python function for data that SQL alone cannot compute; each is one transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from crawler.errors import DatabaseError
from crawler.extraction.listing import Listing
from crawler.leads.fingerprint import content_hash
from crawler.leads.groups import regroup


def group_all(conn: sqlite3.Connection) -> None:
    """Give the leads a database already holds their actors and cases (``conn`` yields sqlite3.Row)."""
    leads = conn.execute("SELECT rowid, lead_id, contacts, minhash, case_id FROM leads ORDER BY rowid").fetchall()
    for lead in leads:
        regroup(conn, lead["rowid"], lead, None)


def rehash(conn: sqlite3.Connection) -> None:
    """Recompute every lead's content hash (and its verdict hash, where the verdict saw this content)."""
    rows = conn.execute("SELECT lead_id, title, body, publisher, contact, price, content_hash, verdict_hash FROM leads")
    for lead, title, body, publisher, contact, price, old, verdict in rows.fetchall():
        digest = content_hash(Listing(lead, "", "", "", title, body, publisher, contact, price=price))
        conn.execute(
            "UPDATE leads SET content_hash = ?, verdict_hash = ? WHERE lead_id = ?",
            (digest, digest if verdict == old else verdict, lead),
        )


MIGRATIONS: tuple[str | Callable[[sqlite3.Connection], object], ...] = (
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
    # 7: actors and cases kept per lead as leads arrive (an index of contact and MinHash band keys),
    # so exporting a million leads needs no regrouping of the whole store
    """
    ALTER TABLE leads ADD COLUMN actor_id TEXT NOT NULL DEFAULT '';
    ALTER TABLE leads ADD COLUMN case_id TEXT NOT NULL DEFAULT '';
    CREATE TABLE lead_keys (key INTEGER NOT NULL, lead INTEGER NOT NULL, PRIMARY KEY (key, lead)) WITHOUT ROWID;
    CREATE INDEX leads_actor ON leads(actor_id);
    CREATE INDEX leads_case ON leads(case_id);
    CREATE INDEX leads_score ON leads(score DESC, first_seen, lead_id);
    """,
    # 8: group the leads a database already holds
    group_all,
    # 9: content hashes by the cheaper NFKC folding, so no lead looks changed after the upgrade
    rehash,
    # 10: when each page was last fetched and the validators the site sent, for incremental crawls
    """
    ALTER TABLE pages ADD COLUMN fetched_at TEXT NOT NULL DEFAULT '';
    ALTER TABLE pages ADD COLUMN etag TEXT NOT NULL DEFAULT '';
    ALTER TABLE pages ADD COLUMN last_modified TEXT NOT NULL DEFAULT '';
    UPDATE pages SET fetched_at = last_seen;
    """,
    # 11: what each run did to each lead (new / changed / seen), for the run reports and their trend
    """
    CREATE TABLE run_leads (
        run_id INTEGER NOT NULL REFERENCES runs(run_id),
        lead_id TEXT NOT NULL REFERENCES leads(lead_id),
        outcome TEXT NOT NULL CHECK (outcome IN ('new', 'changed', 'seen')),
        PRIMARY KEY (run_id, lead_id)
    );
    CREATE INDEX run_leads_lead ON run_leads(lead_id);
    """,
    # 12: pages that did not come through in a run, and why (for the morning report)
    """
    CREATE TABLE run_faults (
        run_id INTEGER NOT NULL REFERENCES runs(run_id),
        site TEXT NOT NULL,
        url TEXT NOT NULL,
        reason TEXT NOT NULL
    );
    CREATE INDEX run_faults_run ON run_faults(run_id);
    """,
    # 13: no query reads run_leads by lead alone (reports join it to leads by run); the index cost
    # every page of every night a random write
    """
    DROP INDEX IF EXISTS run_leads_lead;
    """,
    # 14: what produced each lead's analysis (rule-set hash, registry, model, threshold, version), so a
    # verdict can be reproduced for a case file; empty for leads analysed before stamps
    """
    ALTER TABLE leads ADD COLUMN stamp TEXT NOT NULL DEFAULT '';
    """,
    # 15: each category's evidence as found (for the explanation people read); every change of a verdict
    # or note kept with who made it, when and from which file (a revision number per lead, so a file
    # exported before a newer verdict cannot undo it); every workbook exported, by id
    """
    ALTER TABLE leads ADD COLUMN findings TEXT NOT NULL DEFAULT '';
    ALTER TABLE leads ADD COLUMN verdict_rev INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE verdict_history (
        lead_id TEXT NOT NULL REFERENCES leads(lead_id),
        rev INTEGER NOT NULL,
        old_status TEXT NOT NULL,
        new_status TEXT NOT NULL,
        old_notes TEXT NOT NULL,
        new_notes TEXT NOT NULL,
        reviewer TEXT NOT NULL,
        at TEXT NOT NULL,
        source TEXT NOT NULL,
        PRIMARY KEY (lead_id, rev)
    ) WITHOUT ROWID;
    CREATE INDEX verdict_history_at ON verdict_history(at);
    INSERT INTO verdict_history
        SELECT lead_id, 1, '', status, '', notes, '', reviewed_at, '(before history was kept)' FROM leads
        WHERE status != '' OR notes != '';
    UPDATE leads SET verdict_rev = 1 WHERE status != '' OR notes != '';
    CREATE TABLE exports (
        export_id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('review', 'view')),
        scope TEXT NOT NULL,
        created_at TEXT NOT NULL,
        file TEXT NOT NULL,
        leads INTEGER NOT NULL,
        filters TEXT NOT NULL
    );
    """,
    # 16: pages whose extraction is byte-identical on one site are one lead (extract_hash finds the first);
    # per run and site, the query parameters that made such copies, and how many listings lacked each field
    """
    ALTER TABLE pages ADD COLUMN extract_hash TEXT NOT NULL DEFAULT '';
    CREATE INDEX pages_extract ON pages(site, extract_hash) WHERE extract_hash != '';
    CREATE TABLE run_same_pages (
        run_id INTEGER NOT NULL REFERENCES runs(run_id),
        site TEXT NOT NULL,
        param TEXT NOT NULL,
        pages INTEGER NOT NULL,
        url TEXT NOT NULL,
        same_as TEXT NOT NULL,
        PRIMARY KEY (run_id, site, param)
    );
    CREATE TABLE run_fields (
        run_id INTEGER NOT NULL REFERENCES runs(run_id),
        site TEXT NOT NULL,
        field TEXT NOT NULL,
        missing INTEGER NOT NULL,
        listings INTEGER NOT NULL,
        PRIMARY KEY (run_id, site, field)
    );
    """,
    # 17: the text of every picture read, by the SHA-256 of its bytes and the OCR stamp (read once per
    # store, ever), which bytes each image URL gave, each listing's pictures (rescan reads them from the
    # cache), and a night's picture counts per site
    """
    CREATE TABLE image_text (
        sha256 TEXT NOT NULL,
        stamp TEXT NOT NULL,
        text_json TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        PRIMARY KEY (sha256, stamp)
    ) WITHOUT ROWID;
    CREATE TABLE image_url (url TEXT PRIMARY KEY, sha256 TEXT NOT NULL, seen_at TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE listing_images (
        url TEXT NOT NULL,
        number INTEGER NOT NULL,
        source TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        PRIMARY KEY (url, number)
    ) WITHOUT ROWID;
    CREATE TABLE run_images (
        run_id INTEGER NOT NULL REFERENCES runs(run_id),
        site TEXT NOT NULL,
        outcome TEXT NOT NULL,
        images INTEGER NOT NULL,
        PRIMARY KEY (run_id, site, outcome)
    );
    """,
    # the ETag and Last-Modified a picture's URL came with, for a conditional request next time (as pages)
    """
    ALTER TABLE image_url ADD COLUMN etag TEXT NOT NULL DEFAULT '';
    ALTER TABLE image_url ADD COLUMN last_modified TEXT NOT NULL DEFAULT '';
    """,
    # where each picture kept as evidence has its bytes (its WARC response record, the first written): a
    # picture answered 304 later is kept as a revisit record pointing there (crawler/evidence/revisits.py)
    """
    CREATE TABLE picture_records (
        sha256 TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        file TEXT NOT NULL,
        offset INTEGER NOT NULL,
        length INTEGER NOT NULL,
        record_id TEXT NOT NULL,
        fetched_at TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX picture_records_id ON picture_records(record_id);
    """,
)


def schema_version(conn: sqlite3.Connection) -> int:
    """The database's schema version; a database from a newer TutorWatch is refused (read, never written)."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise DatabaseError(
            f"database schema version {version} is newer than this TutorWatch ({len(MIGRATIONS)}); upgrade TutorWatch"
        )
    return version


def migrate(conn: sqlite3.Connection) -> None:
    """Bring a database up to the current schema, one committed step at a time."""
    version = schema_version(conn)
    for number in range(version + 1, len(MIGRATIONS) + 1):
        step = MIGRATIONS[number - 1]
        if isinstance(step, str):
            conn.executescript(f"BEGIN; {step} PRAGMA user_version = {number}; COMMIT;")
            continue
        with conn:
            conn.execute("BEGIN IMMEDIATE")
            step(conn)
            conn.execute(f"PRAGMA user_version = {number}")
