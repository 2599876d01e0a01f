"""The store's read queries in one place: the CLI, run health, reports and exports ask here, never in SQL.

``LeadQueries`` wraps a connection (the store's own, or a read-only one opened for a second
process or a spider) so every query that reads leads, runs, pages, exports or verdict history
lives beside the schema it depends on (crawler/leads/migrations.py).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

from crawler.leads.columns import CSV_SELECT, ORDER
from crawler.leads.priority import math_functions, priority_sql

LEAD_FIELDS = (  # what reports show of a lead (not its body or MinHash)
    "lead_id, title, url, site, platform, city, district, categories, rules, matched_text, basis, findings, score,"
    " first_seen, last_seen, times_seen, status, notes, reviewed_at, evidence_file, evidence_offset, evidence_sha256,"
    " registry_status, contacts, actor_id, case_id"
)
WORKBOOK_FIELDS = (  # what a workbook shows of a lead
    "lead_id, title, url, site, platform, city, district, publisher, contact, price, posted_at, categories,"
    " matched_text, findings, score, first_seen, last_seen, changed_at, times_seen, status, notes, reviewed_at,"
    " verdict_rev, content_hash != verdict_hash AND status != '' AS changed_since_verdict, evidence_file,"
    " evidence_offset, evidence_sha256, registry_status, contacts, actor_id, case_id, stamp"
)
_RUN_IDS = "SELECT value FROM json_each(?)"


class VerdictState(NamedTuple):
    status: str  # '' = 待研判
    notes: str
    rev: int  # how many times the verdict or note changed


def and_where(where: str, condition: str) -> str:
    """A ``WHERE`` clause (or '') with one more condition."""
    return f"{where} AND {condition}" if where else f" WHERE {condition}"


def open_readonly(db: Path) -> LeadQueries | None:
    """Queries over a read-only connection of its own (None when the database does not exist yet)."""
    if not db.exists():
        return None
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    return LeadQueries(conn)


class LeadQueries:
    """Named queries over one connection (rows are sqlite3.Row when the connection yields them)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def close(self) -> None:
        self.conn.close()

    # leads, one or a few
    def lead(self, lead_id: str) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM leads WHERE lead_id = ?", (lead_id,)).fetchone()

    def lead_by_url(self, url: str) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM leads WHERE url = ?", (url,)).fetchone()

    def lead_count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM leads").fetchone()[0]

    def stored_leads(self, batch: int = 2000) -> Iterator[list[sqlite3.Row]]:
        """Every lead's fields and analysis columns, in batches by rowid (a million leads never sit in memory)."""
        after = 0
        while True:
            rows = self.conn.execute(
                "SELECT rowid, lead_id, platform, title, body, publisher, contact, categories, rules, score, flagged,"
                " contacts, minhash, case_id, stamp FROM leads WHERE rowid > ? ORDER BY rowid LIMIT ?",
                (after, batch),
            ).fetchall()
            if not rows:
                return
            yield rows
            after = rows[-1]["rowid"]

    def with_evidence(self) -> list[sqlite3.Row]:
        return self.conn.execute("SELECT * FROM leads WHERE evidence_file != '' ORDER BY lead_id").fetchall()

    def known_ids(self, wanted: Iterable[str]) -> set[str]:
        """Those of ``wanted`` that are leads, looked up by SQLite (not a scan of every lead id)."""
        found: set[str] = set()
        chunk: list[str] = []
        for lead in wanted:
            chunk.append(lead)
            if len(chunk) == 500:
                found |= self._known(chunk)
                chunk = []
        return found | (self._known(chunk) if chunk else set())

    def _known(self, chunk: list[str]) -> set[str]:
        marks = ",".join("?" * len(chunk))
        return {row[0] for row in self.conn.execute(f"SELECT lead_id FROM leads WHERE lead_id IN ({marks})", chunk)}

    def verdict_state(self, lead_ids: Iterable[str]) -> dict[str, VerdictState]:
        """These leads' verdict, note and revision as stored now (ids the store does not hold are left out)."""
        cursor = self.conn.cursor()
        cursor.row_factory = None  # plain tuples: a review file of 100,000 rows reads as many
        rows = cursor.execute(
            "SELECT lead_id, status, notes, verdict_rev FROM leads WHERE lead_id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(lead_ids)),),
        )
        return {lead: VerdictState(status, notes, rev) for lead, status, notes, rev in rows}

    def reviewed(self) -> list[sqlite3.Row]:
        """Confirmed and dismissed leads (for precision per rule, and as training labels)."""
        return self.conn.execute(
            "SELECT * FROM leads WHERE status IN ('confirmed', 'dismissed') ORDER BY lead_id"
        ).fetchall()

    # verdict history
    def history(self, lead_id: str) -> list[sqlite3.Row]:
        return self.conn.execute("SELECT * FROM verdict_history WHERE lead_id = ? ORDER BY rev", (lead_id,)).fetchall()

    def states_at(self, wanted: Iterable[tuple[str, int]]) -> dict[tuple[str, int], tuple[str, str]]:
        """(verdict, note) each lead had at a revision: what a file exported at that revision showed."""
        pairs = [[lead, rev] for lead, rev in wanted if rev > 0]
        rows = self.conn.execute(
            "SELECT h.lead_id, h.rev, h.new_status, h.new_notes FROM verdict_history h"
            " JOIN (SELECT json_extract(value, '$[0]') AS lead, json_extract(value, '$[1]') AS rev FROM json_each(?))"
            " w ON h.lead_id = w.lead AND h.rev = w.rev",
            (json.dumps(pairs),),
        )
        return {(row[0], row[1]): (row[2], row[3]) for row in rows}

    def confirmed_between(self, start: str, end: str) -> list[sqlite3.Row]:
        """Leads confirmed (the verdict set to confirmed) between two local times, with their district."""
        return self.conn.execute(
            f"SELECT {LEAD_FIELDS}, h.at AS confirmed_at FROM verdict_history h JOIN leads USING (lead_id)"
            " WHERE h.new_status = 'confirmed' AND h.old_status != 'confirmed' AND h.at >= ? AND h.at < ?"
            " AND leads.status = 'confirmed' GROUP BY lead_id ORDER BY h.at",
            (start, end),
        ).fetchall()

    def open_by_district(self) -> list[sqlite3.Row]:
        """Leads waiting for a verdict (待研判: none yet, or reopened), counted by district (or city)."""
        return self.conn.execute(
            "SELECT CASE WHEN district != '' THEN district ELSE city END AS place, count(*) AS leads FROM leads"
            " WHERE status = '' GROUP BY place ORDER BY leads DESC, place"
        ).fetchall()

    # exports
    def workbook_rows(
        self, where: str, params: tuple, since: str, limit: int, triage: bool = True
    ) -> Iterator[sqlite3.Row]:
        """Leads for a workbook: with ``triage`` new since ``since`` first, then changed, then by priority;
        else highest score first (the read-only view: an index gives its first rows of a million at once).

        Each row adds ``fresh`` (0 new, 1 changed, 2 neither), ``actor_leads`` (leads sharing its
        contact, itself included) and ``case_sites`` (sites its ad is posted on), each looked up by
        its index for the rows that need it.
        """
        math_functions(self.conn)
        points = priority_sql("categories", "times_seen", "case_sites", "actor_leads")
        order = f"fresh, {points} DESC, score DESC, first_seen, lead_id" if triage else ORDER.removeprefix(" ORDER BY ")
        # Group sizes counted once per group (a correlated count per row was quadratic: one actor behind
        # 20,000 copies of an ad took minutes), then looked up by each row.
        return self.conn.execute(
            "WITH actors AS MATERIALIZED (SELECT actor_id, count(*) AS n FROM leads WHERE actor_id != ''"
            " GROUP BY actor_id HAVING n > 1),"
            " cases AS MATERIALIZED (SELECT case_id, count(DISTINCT site) AS n FROM leads WHERE case_id != ''"
            " GROUP BY case_id HAVING n > 1)"
            f" SELECT {WORKBOOK_FIELDS},"
            " coalesce((SELECT n FROM actors a WHERE a.actor_id = leads.actor_id), 1) AS actor_leads,"
            " coalesce((SELECT n FROM cases c WHERE c.case_id = leads.case_id), 1) AS case_sites,"
            " CASE WHEN first_seen > ? THEN 0 WHEN changed_at > ? THEN 1 ELSE 2 END AS fresh"
            f" FROM leads{where} ORDER BY {order} LIMIT ?",
            (since, since, *params, limit),
        )

    def lead_total(self, where: str, params: tuple) -> int:
        return self.conn.execute(f"SELECT count(*) FROM leads{where}", params).fetchone()[0]

    def fresh_total(self, where: str, params: tuple, since: str) -> int:
        """Leads new or changed since a time among those ``where`` chooses."""
        # After, not at: times are to the second, and a night's last batch commits in the same second as the
        # export that follows it; at-or-after counted those leads again and gave an unchanged night a workbook.
        condition = and_where(where, "changed_at > ?")
        return self.conn.execute(f"SELECT count(*) FROM leads{condition}", (*params, since)).fetchone()[0]

    def groups(self, where: str, params: tuple, column: str, limit: int) -> Iterator[tuple]:
        """Actors or cases (``column``) behind two or more leads: id, leads, sites, districts, contacts, URLs."""
        assert column in ("actor_id", "case_id")
        condition = and_where(where, f"{column} != ''")
        return self.conn.execute(
            f"SELECT {column}, count(*), count(DISTINCT site), group_concat(DISTINCT district),"
            f" group_concat(contacts, ';'), group_concat(url, char(10)) FROM leads{condition}"
            f" GROUP BY {column} HAVING count(*) >= 2 ORDER BY count(*) DESC, {column} LIMIT ?",
            (*params, limit),
        )

    def counts_by(self, where: str, params: tuple, column: str) -> list[tuple[str, int]]:
        """How many leads per value of one column (district, status, site, categories), biggest first."""
        assert column in ("district", "status", "site", "categories")
        return self.conn.execute(
            f"SELECT {column}, count(*) FROM leads{where} GROUP BY {column} ORDER BY count(*) DESC, {column}", params
        ).fetchall()

    def csv_rows(self, where: str, params: tuple) -> Iterator[tuple]:
        return self.conn.execute(CSV_SELECT + where + ORDER, params)

    def last_export(self, scope: str, kind: str) -> sqlite3.Row | None:
        return self.conn.execute(
            "SELECT * FROM exports WHERE scope = ? AND kind = ? ORDER BY created_at DESC, rowid DESC LIMIT 1",
            (scope, kind),
        ).fetchone()

    def export(self, export_id: str) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM exports WHERE export_id = ?", (export_id,)).fetchone()

    # runs
    def run(self, run_id: int) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM runs WHERE run_id = ?", (run_id,)).fetchone()

    def crawl_runs(self, start: str, end: str) -> list[sqlite3.Row]:
        """The crawl runs started on the local days from ``start`` to ``end`` (ISO dates, inclusive)."""
        return self.conn.execute(
            "SELECT * FROM runs WHERE kind = 'crawl' AND substr(started_at, 1, 10) BETWEEN ? AND ? ORDER BY run_id",
            (start, end),
        ).fetchall()

    def site_history(self, site: str, run_id: int, limit: int) -> list[int]:
        """The site's listings on its ``limit`` runs of the same kind before ``run_id``, newest first."""
        rows = self.conn.execute(
            "SELECT s.listings FROM run_sites s JOIN runs r USING (run_id)"
            " WHERE s.site = ? AND s.run_id < ? AND r.kind = (SELECT kind FROM runs WHERE run_id = ?)"
            " ORDER BY s.run_id DESC LIMIT ?",
            (site, run_id, run_id, limit),
        )
        return [row[0] for row in rows]

    def run_leads(self, run_ids: Sequence[int]) -> list[sqlite3.Row]:
        """The leads these runs recorded, each once, with whether any run saw it new or changed."""
        return self.conn.execute(
            f"SELECT {LEAD_FIELDS}, was_new, was_changed FROM leads JOIN ("
            " SELECT lead_id, MAX(outcome = 'new') AS was_new, MAX(outcome = 'changed') AS was_changed FROM run_leads"
            f" WHERE run_id IN ({_RUN_IDS}) GROUP BY lead_id) USING (lead_id)"
            " ORDER BY score DESC, lead_id",
            (json.dumps(list(run_ids)),),
        ).fetchall()

    def active_leads(self, start: str, end: str) -> list[sqlite3.Row]:
        """Leads seen at any time between two local dates (first seen before the end, last seen after the start)."""
        return self.conn.execute(
            f"SELECT {LEAD_FIELDS} FROM leads WHERE substr(first_seen, 1, 10) <= ? AND substr(last_seen, 1, 10) >= ?"
            " ORDER BY score DESC, lead_id",
            (end, start),
        ).fetchall()

    def outcome_totals(self, run_ids: Sequence[int]) -> dict[str, int]:
        """Leads new / changed / recurring over these runs (each lead once, strongest outcome)."""
        row = self.conn.execute(
            "SELECT COALESCE(SUM(n), 0) AS new, COALESCE(SUM(c AND NOT n), 0) AS changed,"
            " COALESCE(SUM(NOT n AND NOT c), 0) AS recurring, COUNT(*) AS total FROM ("
            " SELECT MAX(outcome = 'new') AS n, MAX(outcome = 'changed') AS c FROM run_leads"
            f" WHERE run_id IN ({_RUN_IDS}) GROUP BY lead_id)",
            (json.dumps(list(run_ids)),),
        ).fetchone()
        return dict(zip(("new", "changed", "recurring", "total"), row, strict=True))

    def lead_outcome(self, run_id: int, lead_id: str) -> str:
        """What a run did to a lead: new, changed or seen ('' when the run did not record it)."""
        row = self.conn.execute(
            "SELECT outcome FROM run_leads WHERE run_id = ? AND lead_id = ?", (run_id, lead_id)
        ).fetchone()
        return row[0] if row is not None else ""

    def picture_state(self, url: str, stamp: str) -> tuple[str, str, str] | None:
        """(sha256, etag, last_modified) of the bytes a picture URL gave last, when their text is cached under
        ``stamp``: what a conditional request for it needs (crawler/images/known.py)."""
        row = self.conn.execute(
            "SELECT u.sha256, u.etag, u.last_modified FROM image_url u"
            " JOIN image_text t ON t.sha256 = u.sha256 AND t.stamp = ? WHERE u.url = ?",
            (stamp, url),
        ).fetchone()
        return None if row is None else (row[0], row[1], row[2])

    # pages
    def page_state(self, url: str) -> tuple[str, str, str, str] | None:
        """(fetched_at, last_seen, etag, last_modified) of a page the store has fetched, for revisiting it."""
        row = self.conn.execute(
            "SELECT fetched_at, last_seen, etag, last_modified FROM pages WHERE url = ?", (url,)
        ).fetchone()
        return None if row is None else (row[0], row[1], row[2], row[3])

    def kept_evidence(self, url: str) -> tuple[str, str, str] | None:
        """(content hash, categories, rules) of a lead whose page is kept as evidence: the store writes its
        evidence again only when tonight's page differs in one of them (``LeadValues.fingerprint``)."""
        row = self.conn.execute(
            "SELECT content_hash, categories, rules FROM leads WHERE url = ? AND evidence_sha256 != ''", (url,)
        ).fetchone()
        return None if row is None else (row[0], row[1], row[2])

    def first_page_with(self, site: str, extract_hash: str) -> str | None:
        """The URL of the page of ``site`` first stored with this extraction (crawler/extraction/same_page.py)."""
        # "extract_hash != ''" lets SQLite use the partial index pages_extract: without it every page read them all
        try:
            row = self.conn.execute(
                "SELECT url FROM pages WHERE site = ? AND extract_hash = ? AND extract_hash != ''"
                " ORDER BY first_seen, rowid LIMIT 1",
                (site, extract_hash),
            ).fetchone()
        except sqlite3.OperationalError:  # a store not migrated yet (the crawl migrates it when it opens it)
            return None
        return row[0] if row else None
