"""The SQLite leads store: runs, pages seen, and leads whose analyst verdict survives every re-crawl.

Each page's writes are all-or-nothing (a savepoint); WAL mode lets a killed crawl leave a
consistent file. A crawl groups pages into one transaction (``commit_every``, and its pipeline
commits every few seconds): a commit per page costs more than the page's own writes, and a
killed crawl's resume refetches the pages whose batch never committed.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.errors import DatabaseError, LockedError, TutorWatchError
from crawler.extraction.listing import Listing
from crawler.leads.fingerprint import lead_id
from crawler.leads.groups import regroup
from crawler.leads.lead_values import LeadValues, analysis_columns, evidence_columns
from crawler.leads.migrations import migrate, schema_version
from crawler.leads.queries import LeadQueries
from detectors.models import Analysis

if TYPE_CHECKING:  # a type only: `scan` opens the store without importing Scrapy and warcio
    from crawler.evidence.warc import EvidenceRef

BUSY_SECONDS = 10.0  # how long a reader or importer waits for the crawl's batch to commit (every 2 s) before giving up
CACHE_MB = 256  # page cache per connection (bench/store_scale.py: commits of a night's batches)
DEFAULT_DB = Path(__file__).resolve().parents[2] / "data" / "tutorwatch.db"


def evidence_dir(db: Path) -> Path:
    """Evidence WARC files live beside the database they belong to."""
    return db.parent / "evidence"


def database_error(path: Path, exc: sqlite3.Error) -> TutorWatchError:
    """One line for a database that cannot be used: still locked by another writer (7), or refused (8)."""
    message = str(exc)
    if isinstance(exc, sqlite3.OperationalError) and ("locked" in message or "busy" in message):
        return LockedError(
            f"{path}: the leads database stayed locked by another writer for {BUSY_SECONDS:.0f} s"
            f" ({message}); nothing was done, try again"
        )
    return DatabaseError(f"{path}: the leads database refused: {message}")


_this_second: tuple[int, str] = (0, "")


def now() -> str:
    """Local wall-clock time, to the second: what the analyst reads in first_seen / last_seen.

    Written once a second and reused: a crawl stores hundreds of pages a second, and finding the
    local zone and formatting the time was 1% of its process's time (bench/crawl_speed.py)."""
    global _this_second
    second = int(time.time())
    if _this_second[0] != second:
        _this_second = (second, datetime.fromtimestamp(second).astimezone().isoformat(timespec="seconds"))
    return _this_second[1]


INSERT_LEAD = (
    "INSERT INTO leads (lead_id, url, site, platform, title, body, publisher, contact, city, district, price,"
    " posted_at, categories, rules, matched_text, basis, score, flagged, content_hash, first_seen, last_seen,"
    " changed_at, contacts, institutions, registry_status, minhash, stamp, findings)"
    " VALUES (:lead_id, :url, :site, :platform, :title, :body, :publisher, :contact, :city, :district, :price,"
    " :posted_at, :categories, :rules, :matched_text, :basis, :score, :flagged, :content_hash, :at, :at, :at,"
    " :contacts, :institutions, :registry_status, :minhash, :stamp, :findings)"
)
UPDATE_LEAD = (
    "UPDATE leads SET site = :site, platform = :platform, title = :title, body = :body, publisher = :publisher,"
    " contact = :contact, city = :city, district = :district, price = :price, posted_at = :posted_at,"
    " categories = :categories, rules = :rules, matched_text = :matched_text, basis = :basis, score = :score,"
    " flagged = :flagged, content_hash = :content_hash, changed_at = :at, contacts = :contacts,"
    " institutions = :institutions, registry_status = :registry_status, minhash = :minhash, stamp = :stamp,"
    " findings = :findings WHERE lead_id = :lead_id"
)

KEPT = ", evidence_file, evidence_offset, evidence_length, evidence_sha256, fetched_at"
# the lead row written with its evidence's place in one statement, when the page was just kept as evidence
INSERT_KEPT = INSERT_LEAD.replace(", stamp, findings)", f", stamp, findings{KEPT})").replace(
    ", :stamp, :findings)", f", :stamp, :findings{KEPT.replace(', ', ', :')})"
)
UPDATE_KEPT = UPDATE_LEAD.replace(
    " WHERE lead_id", "".join(f", {name} = :{name}" for name in KEPT.split(", ")[1:]) + " WHERE lead_id"
)
SET_EVIDENCE = (
    "UPDATE leads SET evidence_file = ?, evidence_offset = ?, evidence_length = ?,"
    " evidence_sha256 = ?, fetched_at = ? WHERE rowid = ?"
)


class LeadStore:
    """One database file; open it, use it, close it (also as a context manager)."""

    def __init__(self, path: Path = DEFAULT_DB, commit_every: int = 1) -> None:
        self.path = path
        self.commit_every = commit_every  # pages per transaction
        self.pending = 0  # pages written since the last commit
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # --db under a regular file, a read-only or full disk
            raise DatabaseError(f"{path}: cannot create the database's directory: {exc.strerror}") from None
        try:
            self.conn = sqlite3.connect(path, isolation_level=None)
        except sqlite3.Error as exc:
            raise DatabaseError(f"{path}: cannot open the leads database: {exc}") from None
        try:
            self.conn.row_factory = sqlite3.Row
            self.conn.execute(f"PRAGMA busy_timeout={int(BUSY_SECONDS * 1000)}")
            schema_version(self.conn)  # a foreign or newer file is refused before anything is written to it
            self.conn.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL loses no committed write when the process is killed (only on power loss).
            self.conn.execute("PRAGMA synchronous=NORMAL")
            # A night touches leads all over a large file; SQLite's 2 MB default cache would re-read them.
            self.conn.execute(f"PRAGMA cache_size=-{CACHE_MB * 1024}")
            self.conn.execute("PRAGMA wal_autocheckpoint=20000")
            migrate(self.conn)
            self.read = LeadQueries(self.conn)  # every read query the application makes
        except DatabaseError as exc:
            self.conn.close()
            raise DatabaseError(f"{path}: {exc}") from None
        except sqlite3.Error as exc:
            self.conn.close()
            raise database_error(path, exc) from None

    def __enter__(self) -> LeadStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.commit()
        self.conn.close()

    def commit(self) -> None:
        """Make the pages written so far durable."""
        if self.conn.in_transaction:
            self.conn.execute("COMMIT")
        self.pending = 0

    @contextmanager
    def _page(self) -> Iterator[None]:
        """One page's writes, all or nothing, inside the open batch; committed every ``commit_every`` pages."""
        if not self.conn.in_transaction:
            self.conn.execute("BEGIN IMMEDIATE")
        self.conn.execute("SAVEPOINT page")
        try:
            yield
            self.conn.execute("RELEASE page")
            self.pending += 1
        except BaseException:
            self.conn.execute("ROLLBACK TO page")
            self.conn.execute("RELEASE page")
            raise
        finally:
            if self.pending >= self.commit_every or not self.pending:
                self.commit()

    def _tx(self, sql: str, params: tuple | dict = ()) -> sqlite3.Cursor:
        self.commit()
        with self.conn:
            self.conn.execute("BEGIN IMMEDIATE")
            return self.conn.execute(sql, params)

    def start_run(self, kind: str) -> int:
        cur = self._tx("INSERT INTO runs (kind, started_at) VALUES (?, ?)", (kind, now()))
        return int(cur.lastrowid or 0)

    def interrupted_run(self, kind: str) -> str:
        """Start time of the last run of ``kind`` if it never finished (killed), else ''.

        Every unfinished run of that kind is marked 'interrupted'; only the crawl lock keeps two
        runs from overlapping, so an unfinished run found here is a dead one.
        """
        row = self.conn.execute(
            "SELECT status, started_at FROM runs WHERE kind = ? ORDER BY run_id DESC LIMIT 1", (kind,)
        ).fetchone()
        self._tx("UPDATE runs SET status = 'interrupted' WHERE kind = ? AND status = 'running'", (kind,))
        return row["started_at"] if row is not None and row["status"] == "running" else ""

    def finish_run(self, run_id: int, status: str) -> None:
        self._tx("UPDATE runs SET finished_at = ?, status = ? WHERE run_id = ?", (now(), status, run_id))

    def record_site(self, run_id: int, site: str, pages: int, listings: int, errors: int, reason: str) -> None:
        self._tx(
            "INSERT OR REPLACE INTO run_sites VALUES (?, ?, ?, ?, ?, ?)",
            (run_id, site, pages, listings, errors, reason),
        )

    def record_faults(self, run_id: int, site: str, faults: list[tuple[str, str]]) -> None:
        self.commit()
        with self.conn:
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.execute("DELETE FROM run_faults WHERE run_id = ? AND site = ?", (run_id, site))
            self.conn.executemany(
                "INSERT INTO run_faults VALUES (?, ?, ?, ?)", ((run_id, site, url, why) for url, why in faults)
            )

    def faults(self, run_id: int) -> list[sqlite3.Row]:
        return self.conn.execute(
            "SELECT site, url, reason FROM run_faults WHERE run_id = ? ORDER BY site, rowid", (run_id,)
        ).fetchall()

    def record_site_notes(
        self,
        run_id: int,
        site: str,
        same_pages: list[tuple[str, int, str, str]],
        fields: list[tuple[str, int, int]],
    ) -> None:
        """What a site's crawl noticed: the parameters that made copies of one page (param, pages, url,
        same as), and per optional field how many listings lacked it (field, missing, listings)."""
        self.commit()
        with self.conn:
            self.conn.execute("BEGIN IMMEDIATE")
            for table in ("run_same_pages", "run_fields"):
                self.conn.execute(f"DELETE FROM {table} WHERE run_id = ? AND site = ?", (run_id, site))
            self.conn.executemany(
                "INSERT INTO run_same_pages VALUES (?, ?, ?, ?, ?, ?)", ((run_id, site, *row) for row in same_pages)
            )
            self.conn.executemany(
                "INSERT INTO run_fields VALUES (?, ?, ?, ?, ?)", ((run_id, site, *row) for row in fields)
            )

    def same_pages(self, run_id: int) -> list[sqlite3.Row]:
        return self.conn.execute(
            "SELECT site, param, pages, url, same_as FROM run_same_pages WHERE run_id = ? ORDER BY site, pages DESC",
            (run_id,),
        ).fetchall()

    def missing_fields(self, run_id: int) -> list[sqlite3.Row]:
        return self.conn.execute(
            "SELECT site, field, missing, listings FROM run_fields WHERE run_id = ? ORDER BY site, field", (run_id,)
        ).fetchall()

    def field_history(self, site: str, field: str, run_id: int, limit: int) -> list[tuple[int, int]]:
        """(missing, listings) of one site's field on its last ``limit`` runs of the same kind before ``run_id``."""
        rows = self.conn.execute(
            "SELECT f.missing, f.listings FROM run_fields f JOIN runs r USING (run_id)"
            " WHERE f.site = ? AND f.field = ? AND f.run_id < ? AND r.kind = (SELECT kind FROM runs WHERE run_id = ?)"
            " ORDER BY f.run_id DESC LIMIT ?",
            (site, field, run_id, run_id, limit),
        ).fetchall()
        return [(row[0], row[1]) for row in rows]

    def site_results(self, run_id: int) -> list[sqlite3.Row]:
        return self.conn.execute("SELECT * FROM run_sites WHERE run_id = ? ORDER BY site", (run_id,)).fetchall()

    def upsert(
        self,
        listing: Listing,
        analysis: Analysis,
        seen_at: str | None = None,
        evidence: Callable[[], EvidenceRef | None] | None = None,
        validators: tuple[str, str] = ("", ""),
        run_id: int | None = None,
        alias: str = "",
        values: LeadValues | None = None,
    ) -> str:
        """Record one crawled page; returns 'new', 'changed', 'seen' (a lead) or 'clean' (no lead).

        A lead's first_seen, status and notes are never overwritten; its analysis, contacts and
        groups are recomputed only when the page's content or findings changed (most pages of a
        night are unchanged and cost one lookup and two small writes). ``evidence`` keeps the page
        and says where; it is called only for a lead that is new, changed or has no evidence yet.
        ``validators`` are the page's ETag and Last-Modified, for tomorrow's conditional request.
        With ``run_id`` the outcome is also kept per run (run_leads), which the run reports count.
        ``alias``: the URL this page was fetched under when it is a byte-identical copy of ``listing.url``
        (one lead); it is recorded as a page too, so tomorrow's crawl does not fetch it again.
        ``values``: ``LeadValues.of(listing, analysis)``, made already where the page was analysed.
        """
        at = seen_at or now()
        values = values or LeadValues.of(listing, analysis)
        digest, extracted, columns = values.content_hash, values.extract_hash, values.columns
        ident = lead_id(listing.url)
        with self._page():
            for url in (listing.url, alias) if alias else (listing.url,):
                self.conn.execute(
                    "INSERT INTO pages (url, site, content_hash, first_seen, last_seen, fetched_at, etag,"
                    " last_modified, extract_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET"
                    " content_hash = excluded.content_hash, last_seen = excluded.last_seen,"
                    " fetched_at = excluded.fetched_at, etag = excluded.etag, last_modified = excluded.last_modified,"
                    " extract_hash = excluded.extract_hash",
                    (url, listing.site, digest, at, at, at, *validators, extracted),
                )
            old = self.conn.execute(  # a known lead is seen tonight, whatever else changes
                "UPDATE leads SET last_seen = ?, times_seen = times_seen + 1 WHERE lead_id = ?"
                " RETURNING rowid, content_hash, categories, rules, contacts, minhash, case_id, evidence_sha256",
                (at, ident),
            ).fetchone()
            if old is None and not analysis.flagged:
                return "clean"
            changed = old is not None and (old["content_hash"], old["categories"], old["rules"]) != values.fingerprint
            wanted = old is None or changed or not old["evidence_sha256"]
            kept = evidence() if evidence is not None and wanted else None
            rowid = old["rowid"] if old is not None else 0
            if old is None or changed:
                row = {
                    **self._row(listing, values.evidence or evidence_columns(analysis), columns),
                    "lead_id": ident,
                    "content_hash": digest,
                    "at": at,
                }
                if kept is not None:  # the evidence's place in the same statement
                    row.update(
                        evidence_file=kept.file,
                        evidence_offset=kept.offset,
                        evidence_length=kept.length,
                        evidence_sha256=kept.sha256,
                        fetched_at=kept.fetched_at,
                    )
                if old is None:
                    rowid = int(self.conn.execute(INSERT_KEPT if kept else INSERT_LEAD, row).lastrowid or 0)
                else:
                    self.conn.execute(UPDATE_KEPT if kept else UPDATE_LEAD, row)
                regroup(self.conn, rowid, {**row, "case_id": old["case_id"] if old else ""}, old, values.keys)
            elif kept is not None:  # a lead seen again whose evidence was missing
                self.conn.execute(
                    SET_EVIDENCE, (kept.file, kept.offset, kept.length, kept.sha256, kept.fetched_at, rowid)
                )
            outcome = "new" if old is None else "changed" if changed else "seen"
            self._note_outcome(run_id, ident, outcome)
            return outcome

    def seen_again(self, url: str, seen_at: str | None = None, fetched: bool = False, run_id: int | None = None) -> str:
        """A page the crawl did not download (fetched recently, or 304 Not Modified) but found listed again.

        Its lead (if any) is seen tonight: last_seen and times_seen move, nothing else does.
        Returns 'seen' for a lead, 'clean' otherwise.
        """
        at = seen_at or now()
        with self._page():
            self.conn.execute(
                "UPDATE pages SET last_seen = ?, fetched_at = CASE WHEN ? THEN ? ELSE fetched_at END WHERE url = ?",
                (at, fetched, at, url),
            )
            lead = self.conn.execute(
                "UPDATE leads SET last_seen = ?, times_seen = times_seen + 1 WHERE url = ? RETURNING lead_id", (at, url)
            ).fetchone()
            if lead is None:
                return "clean"
            self._note_outcome(run_id, lead[0], "seen")
            return "seen"

    @staticmethod
    def _row(listing: Listing, evidence: dict[str, str], columns: dict[str, Any]) -> dict[str, Any]:
        """The lead columns of a page that is new or changed: its fields and the engine's analysis of them."""
        return {
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
            **evidence,
            **columns,
        }

    def reanalysed(self, old: sqlite3.Row, analysis: Analysis, at: str | None = None) -> bool:
        """Store today's analysis of a lead (``rescan``); True when its findings changed.

        The analyst's verdict, notes and the evidence are never touched. A lead whose categories or
        rules changed counts as changed now (``changed_at``), as a crawl counts it, so it is in
        today's leads file; its actor and case follow its new contacts and signature.
        """
        columns = analysis_columns(analysis)
        changed = (old["categories"], old["rules"]) != (columns["categories"], columns["rules"])
        with self._page():
            assignments = ", ".join(f"{name} = :{name}" for name in columns)
            if changed:
                assignments += ", changed_at = :at"
            row = {**columns, "at": at or now(), "rowid": old["rowid"]}
            self.conn.execute(f"UPDATE leads SET {assignments} WHERE rowid = :rowid", row)
            if (old["contacts"], old["minhash"]) != (columns["contacts"], columns["minhash"]):
                lead = {**columns, "lead_id": old["lead_id"], "case_id": old["case_id"]}
                regroup(self.conn, old["rowid"], lead, old)
        return changed

    def _note_outcome(self, run_id: int | None, lead: str, outcome: str) -> None:
        if run_id is not None:  # the first outcome of a lead in a run stands (a page seen twice stays 'new')
            self.conn.execute("INSERT OR IGNORE INTO run_leads VALUES (?, ?, ?)", (run_id, lead, outcome))

    def record_export(
        self, export_id: str, kind: str, scope: str, at: str, file: str, leads: int, filters: str
    ) -> None:
        """Remember a workbook written (its id is in the file), so the next one knows what is new since."""
        row = (export_id, kind, scope, at, file, leads, filters)
        self._tx("INSERT INTO exports VALUES (?, ?, ?, ?, ?, ?, ?)", row)

    def leads(self, changed_since: str | None = None) -> list[sqlite3.Row]:
        """Lead rows, highest score first; only those new or changed since a time when given."""
        sql = "SELECT * FROM leads"
        params: tuple = ()
        if changed_since is not None:
            sql += " WHERE changed_at >= ?"
            params = (changed_since,)
        return self.conn.execute(sql + " ORDER BY score DESC, first_seen, lead_id", params).fetchall()
