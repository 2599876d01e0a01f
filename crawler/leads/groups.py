"""Who stands behind leads, kept up to date as leads arrive: actors (a shared contact) and cases (reposts).

Each lead's contact keys and MinHash band keys are indexed in ``lead_keys`` (64-bit hashes, so
a million leads stay a compact table). When a lead is new or its content changed, its neighbours
are found by key: leads sharing a phone, WeChat or QQ are one actor; a lead whose estimated
Jaccard similarity to a candidate case (one member stands for the case) reaches
``duplicates.SIMILAR`` joins that case. Joined groups take the smallest
id already given, so an actor or case keeps its id while it grows, and nothing has to be
recomputed over the whole store at export time. Groups only ever merge: a lead whose page drops
a shared number leaves its old group's id in place (the analyst still sees the old link).
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Mapping
from typing import Any

import numpy as np

from crawler.leads.duplicates import BANDS, PERMUTATIONS, SIMILAR


def _key(kind: bytes, value: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(kind + value, digest_size=8).digest(), "big", signed=True)


def contact_keys(contacts: str) -> list[int]:
    """Index keys of a lead's ';'-joined contacts (phone:…, wechat:…, qq:…)."""
    return [_key(b"c", key.encode()) for key in contacts.split(";") if key]


def band_keys(minhash: bytes) -> list[int]:
    """Index keys of a signature's LSH bands: two leads sharing one are candidate reposts."""
    if not minhash:
        return []
    width = len(minhash) // BANDS
    return [_key(bytes([band]), minhash[band * width : (band + 1) * width]) for band in range(BANDS)]


def actor_of(contacts: str) -> str:
    """The id a lead's own contacts give it when no other lead shares them ('' without contacts)."""
    keys = [key for key in contacts.split(";") if key]
    return "A" + hashlib.sha256(min(keys).encode()).hexdigest()[:10] if keys else ""


def similar(a: bytes, b: bytes) -> bool:
    """Estimated Jaccard similarity of two MinHash signatures reaches SIMILAR."""
    if len(a) != len(b) or not a:
        return False
    left, right = np.frombuffer(a, dtype=np.uint32), np.frombuffer(b, dtype=np.uint32)
    return int(np.count_nonzero(left == right)) >= SIMILAR * PERMUTATIONS


def _neighbours(conn: sqlite3.Connection, keys: list[int], rowid: int, column: str) -> list[sqlite3.Row]:
    """One row per group (actor or case) among the other leads holding any of ``keys``."""
    if not keys:
        return []
    marks = ",".join("?" * len(keys))
    return conn.execute(
        f"SELECT l.{column} AS grp, l.minhash AS minhash FROM lead_keys k JOIN leads l ON l.rowid = k.lead"
        f" WHERE k.key IN ({marks}) AND k.lead != ? AND l.{column} != '' GROUP BY l.{column}",
        (*keys, rowid),
    ).fetchall()


def _merge(conn: sqlite3.Connection, column: str, own: str, found: set[str], rowid: int) -> None:
    """Give the lead and every joined group the smallest id among them."""
    chosen = min(found) if found else own
    others = sorted(found - {chosen})
    if others:
        marks = ",".join("?" * len(others))
        conn.execute(f"UPDATE leads SET {column} = ? WHERE {column} IN ({marks})", (chosen, *others))
    conn.execute(f"UPDATE leads SET {column} = ? WHERE rowid = ?", (chosen, rowid))


def regroup(conn: sqlite3.Connection, rowid: int, lead: Mapping[str, Any], old: Mapping[str, Any] | None) -> None:
    """Re-index one lead (inside the caller's transaction) and join it to its actor and case.

    ``lead`` holds the lead's lead_id, contacts, minhash and case_id as just written; ``old``
    its contacts and minhash before this change (None for a new lead): those keys are dropped first.
    """
    if old is not None:
        stale = contact_keys(old["contacts"]) + band_keys(old["minhash"])
        conn.executemany("DELETE FROM lead_keys WHERE key = ? AND lead = ?", ((key, rowid) for key in stale))
    contacts, bands = contact_keys(lead["contacts"]), band_keys(lead["minhash"])
    conn.executemany("INSERT OR IGNORE INTO lead_keys VALUES (?, ?)", ((key, rowid) for key in contacts + bands))
    actors = {row["grp"] for row in _neighbours(conn, contacts, rowid, "actor_id")}
    _merge(conn, "actor_id", actor_of(lead["contacts"]), actors, rowid)
    cases = {
        row["grp"] for row in _neighbours(conn, bands, rowid, "case_id") if similar(row["minhash"], lead["minhash"])
    }
    own_case = lead["case_id"] or ("C" + lead["lead_id"][1:] if lead["minhash"] else "")
    _merge(conn, "case_id", own_case, cases, rowid)
