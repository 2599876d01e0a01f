"""Who stands behind leads, kept up to date as leads arrive: actors (a shared contact) and cases (reposts).

Each lead's contact keys and MinHash band keys are indexed in ``lead_keys`` (64-bit hashes, so
a million leads stay a compact table). When a lead is new or its content changed, its neighbours
are found by key: leads sharing a phone, WeChat or QQ are one actor; a lead whose estimated
Jaccard similarity to a lead sharing one of its MinHash bands reaches ``duplicates.SIMILAR``
joins that lead's case. Joined groups take the smallest id already given, so an actor or case
keeps its id while it grows, and nothing has to be recomputed over the whole store at export
time. Groups only ever merge: a lead whose page drops a shared number leaves its old group's id
in place (the analyst still sees the old link).

The cost per lead stays flat however big a group grows (one template posted thousands of times):
every holder of a contact key is already in one actor, so one holder tells it; and a band key
shows its CASE_PROBE oldest holders, of which the similar ones name the cases to join.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from crawler.leads.duplicates import BANDS, PERMUTATIONS, SIMILAR

CASE_PROBE = 8  # holders of one band key compared with a lead (bench/store_scale.py: flat cost per lead)


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


@dataclass(frozen=True)
class GroupKeys:
    """A lead's index keys and the actor id its own contacts give it, made from its contacts and signature alone.

    Made where the page is analysed (crawler/leads/lead_values.py: in a detection worker for a crawled
    page), so the store's one thread only looks them up: hashing a lead's 17 keys was a tenth of its work."""

    contacts: tuple[int, ...]
    bands: tuple[int, ...]
    actor: str

    @classmethod
    def of(cls, contacts: str, minhash: bytes) -> GroupKeys:
        return cls(tuple(contact_keys(contacts)), tuple(band_keys(minhash)), actor_of(contacts))


def similar_groups(rows: list[sqlite3.Row], minhash: bytes) -> set[str]:
    """The groups of those ``rows`` (grp, minhash) whose estimated Jaccard similarity to ``minhash`` reaches SIMILAR."""
    rows = [row for row in rows if minhash and len(row["minhash"]) == len(minhash)]
    if not rows:
        return set()
    own = np.frombuffer(minhash, dtype=np.uint32)
    theirs = np.frombuffer(b"".join(row["minhash"] for row in rows), dtype=np.uint32).reshape(len(rows), own.size)
    agree = np.count_nonzero(theirs == own, axis=1) >= SIMILAR * PERMUTATIONS
    return {row["grp"] for row, ok in zip(rows, agree, strict=True) if ok}


def _holders(conn: sqlite3.Connection, keys: list[int], rowid: int, column: str, probe: int) -> list[sqlite3.Row]:
    """The group (actor or case) and signature of the ``probe`` oldest other leads holding each key.

    One statement: each key's holders come from an index range of lead_keys, and a lead that holds
    several of the keys is read once.
    """
    if not keys:
        return []
    per_key = " UNION ".join(
        ["SELECT * FROM (SELECT lead FROM lead_keys WHERE key = ? AND lead != ? LIMIT ?)"] * len(keys)
    )
    return conn.execute(
        f"SELECT {column} AS grp, minhash FROM leads WHERE rowid IN ({per_key}) AND {column} != ''",
        [value for key in keys for value in (key, rowid, probe)],
    ).fetchall()


def _join(conn: sqlite3.Connection, column: str, own: str, found: set[str]) -> str:
    """The smallest id among the joined groups (``own`` when none); the other groups take it too."""
    chosen = min(found) if found else own
    others = sorted(found - {chosen})
    if others:
        marks = ",".join("?" * len(others))
        conn.execute(f"UPDATE leads SET {column} = ? WHERE {column} IN ({marks})", (chosen, *others))
    return chosen


def regroup(
    conn: sqlite3.Connection,
    rowid: int,
    lead: Mapping[str, Any],
    old: Mapping[str, Any] | None,
    made: GroupKeys | None = None,
) -> None:
    """Re-index one lead (inside the caller's transaction) and join it to its actor and case.

    ``lead`` holds the lead's lead_id, contacts, minhash and case_id as just written; ``old``
    its contacts and minhash before this change (None for a new lead): its keys it no longer has are dropped.
    ``made``: ``GroupKeys.of`` the lead's contacts and minhash, made already where the page was analysed.
    """
    made = made or GroupKeys.of(lead["contacts"], lead["minhash"])
    contacts, bands = list(made.contacts), list(made.bands)
    keys = set(contacts + bands)
    before = set(contact_keys(old["contacts"]) + band_keys(old["minhash"])) if old is not None else set()
    if gone := before - keys:  # a new lead has none
        conn.executemany("DELETE FROM lead_keys WHERE key = ? AND lead = ?", ((key, rowid) for key in gone))
    if added := keys - before:  # one statement: a step per row cost more than the rows (bench/crawl_speed.py)
        rows = ", ".join(["(?, ?)"] * len(added))
        conn.execute(f"INSERT OR IGNORE INTO lead_keys VALUES {rows}", [v for key in added for v in (key, rowid)])
    actors = {row["grp"] for row in _holders(conn, contacts, rowid, "actor_id", 1)}
    actor = _join(conn, "actor_id", made.actor, actors)
    cases = similar_groups(_holders(conn, bands, rowid, "case_id", CASE_PROBE), lead["minhash"])
    own_case = lead["case_id"] or ("C" + lead["lead_id"][1:] if lead["minhash"] else "")
    case = _join(conn, "case_id", own_case, cases)
    conn.execute("UPDATE leads SET actor_id = ?, case_id = ? WHERE rowid = ?", (actor, case, rowid))
