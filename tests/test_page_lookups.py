"""The crawl's per-page lookups in the store go through an index, never a read of the whole pages table."""

from __future__ import annotations

from pathlib import Path

from crawler.leads.queries import open_readonly
from crawler.leads.store import LeadStore


def plans(db: Path, lookup: str, *args: str) -> list[str]:
    """SQLite's query plan of every statement the read-only lookup ``lookup`` runs."""
    queries = open_readonly(db)
    assert queries is not None
    statements: list[str] = []
    queries.conn.set_trace_callback(statements.append)
    getattr(queries, lookup)(*args)
    queries.conn.set_trace_callback(None)
    found = []
    for sql in statements:
        for row in queries.conn.execute("EXPLAIN QUERY PLAN " + sql):
            found.append(row[3])
    queries.conn.close()
    return found


def test_revisit_and_same_page_lookups_use_indexes(tmp_path: Path) -> None:
    db = tmp_path / "leads.db"
    with LeadStore(db):
        pass  # the schema, migrated
    state = plans(db, "page_state", "http://127.0.0.1/post/1.html")
    first = plans(db, "first_page_with", "generated", "0" * 64)
    kept = plans(db, "kept_evidence", "http://127.0.0.1/post/1.html")  # a refetched page's lead, for the workers
    assert state and all(step.startswith("SEARCH") for step in state if "pages" in step), state
    assert kept and all(step.startswith("SEARCH leads USING INDEX") for step in kept), kept
    assert any("USING INDEX pages_extract" in step for step in first), first
    assert not any(step.startswith("SCAN pages") for step in first), first
