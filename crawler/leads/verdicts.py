"""Verdicts and notes written with their history; a file exported before a newer verdict cannot undo it.

Every change of a lead's verdict or note bumps the lead's revision (``verdict_rev``) and adds a
row to ``verdict_history``: old → new verdict, the note, who, when, from which file. An exported
file records each lead's revision; on import, a lead whose verdict or note changed since that
revision (another file, ``review set``) is a conflict when the file also changes it: the file is
the older word, so the lead is left as it is and the conflict reported. A file that merely still
shows the older state (the analyst touched nothing there) changes nothing. Reopening a lead
(待研判, stored as '') is a verdict like the others.

The states are read and the changes written under one write lock (``verdict_lock``), so no other
import or ``review set`` slips in between.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from crawler.leads.queries import VerdictState
from crawler.leads.store import LeadStore, now


@dataclass(frozen=True)
class Change:
    """What a file row (or ``review set``) asks for one lead."""

    lead_id: str
    status: str | None  # the verdict id ('' reopens); None leaves it
    notes: str | None  # None leaves it (a blank cell never erases)
    base_rev: int | None = None  # the lead's revision when the file was exported; None: decided now (CLI)
    where: str = ""  # "row 5", for messages


@dataclass(frozen=True)
class Conflict:
    change: Change
    status: str  # the stored verdict and note that are newer than the file
    notes: str
    rev: int
    reviewer: str
    at: str
    source: str


@dataclass
class Applied:
    verdicts: int = 0
    notes: int = 0
    unchanged: int = 0  # the file agrees with the store, or shows an older state nobody edited
    conflicts: list[Conflict] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # lead ids written


@contextmanager
def verdict_lock(store: LeadStore) -> Iterator[None]:
    """One write transaction: read the leads' states, check, write; committed at the end, rolled back on error."""
    store.commit()
    with store.conn:
        store.conn.execute("BEGIN IMMEDIATE")
        yield


def set_verdicts(store: LeadStore, changes: Sequence[Change], reviewer: str, source: str) -> Applied:
    """Changes decided now (``review set``): read the states and apply, under the lock."""
    with verdict_lock(store):
        return apply_changes(store, changes, store.read.verdict_state(c.lead_id for c in changes), reviewer, source)


def apply_changes(
    store: LeadStore, changes: Sequence[Change], states: dict[str, VerdictState], reviewer: str, source: str
) -> Applied:
    """Per lead: applied, unchanged, or a conflict (lead untouched). Inside ``verdict_lock``, with its states."""
    result = Applied()
    at = now()
    stale = [(c.lead_id, c.base_rev) for c in changes if c.base_rev not in (None, states[c.lead_id].rev)]
    shown = store.read.states_at(stale)
    history, updates = [], []
    for change in changes:
        state = states[change.lead_id]
        old = (state.status, state.notes)
        new = (old[0] if change.status is None else change.status, old[1] if change.notes is None else change.notes)
        if new == old:
            result.unchanged += 1
            continue
        if change.base_rev is not None and change.base_rev != state.rev:
            base = shown.get((change.lead_id, change.base_rev), ("", ""))
            edited = (change.status is not None and change.status != base[0]) or (
                change.notes is not None and change.notes != base[1]
            )
            if edited:
                result.conflicts.append(_conflict(store, change, state))
            else:
                result.unchanged += 1
            continue
        result.verdicts += new[0] != old[0]
        result.notes += new[1] != old[1]
        result.changed.append(change.lead_id)
        updates.append((new[0], new[1], state.rev + 1, at, new[0] != old[0], change.lead_id))
        history.append((change.lead_id, state.rev + 1, old[0], new[0], old[1], new[1], reviewer, at, source))
    store.conn.executemany(
        "UPDATE leads SET status = ?1, notes = ?2, verdict_rev = ?3,"
        " reviewed_at = CASE WHEN ?5 THEN ?4 ELSE reviewed_at END,"
        " verdict_hash = CASE WHEN ?5 THEN content_hash ELSE verdict_hash END WHERE lead_id = ?6",
        updates,
    )
    store.conn.executemany("INSERT INTO verdict_history VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", history)
    return result


def _conflict(store: LeadStore, change: Change, state: VerdictState) -> Conflict:
    """The newer stored state a change collides with, and who made it."""
    history = store.read.history(change.lead_id)
    last = history[-1] if history else None
    return Conflict(
        change,
        state.status,
        state.notes,
        state.rev,
        last["reviewer"] if last else "",
        last["at"] if last else "",
        last["source"] if last else "",
    )
