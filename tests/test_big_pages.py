"""A big page is read off the event loop: while it is, the other sites' pages are stored and committed.

A real crawl (the CLI in a subprocess) of two local sites: one serves a 9 MB page that takes
seconds of CPU to read (tests/support/slow_page_sites.py), the other small pages answered only once
that page has gone out. The test reads SQLite while the crawl runs: the other site's leads must be
visible (committed by the store's timer) before the big page's lead is. Read in the event loop,
the big page held the reactor, the timer could not fire, and both sites' leads came in one commit.
"""

from __future__ import annotations

import sqlite3
import subprocess
import time
from collections import Counter
from pathlib import Path

from tests.conftest import Samples, Workspace
from tests.support.slow_page_sites import OTHER_PAGES, serve_slow_night


def leads_by_site(db: Path) -> Counter[str]:
    """Committed leads per site, as another process sees them (nothing while the store is being created)."""
    if not db.exists():
        return Counter()
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return Counter(dict(conn.execute("SELECT site, count(*) FROM leads GROUP BY site").fetchall()))
        finally:
            conn.close()
    except sqlite3.OperationalError:  # no leads table yet, or locked past the timeout: look again
        return Counter()


def test_other_sites_leads_are_committed_while_a_big_page_is_read(tmp_path: Path) -> None:
    sites_dir = tmp_path / "sites"
    workspace = Workspace(tmp_path, Samples(sites_dir, {}))
    looks: list[Counter[str]] = []  # committed leads at each look, once the big page was sent
    errors = tmp_path / "stderr.txt"
    with serve_slow_night(sites_dir) as sent, errors.open("w") as stderr:
        command = workspace.command("crawl", sites_dir=sites_dir)
        crawl = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr)
        deadline = time.monotonic() + 300
        while crawl.poll() is None and time.monotonic() < deadline:
            if sent.is_set():
                looks.append(leads_by_site(workspace.db))
            time.sleep(0.05)
        crawl.kill()
        crawl.wait()
    assert crawl.returncode == 0, errors.read_text()
    assert sent.is_set()
    assert leads_by_site(workspace.db) == Counter({"other": OTHER_PAGES, "big_page": 1})
    before_big = [look for look in looks if look["other"] and not look["big_page"]]
    assert before_big, f"the other site's leads were committed only with the big page's: {looks[-3:]}"
