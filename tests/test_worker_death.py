"""A detection worker killed during a night (by the kernel for its memory, say) must not hang it.

A worker killed while no batch was in flight left the pool broken: the next batch's submit raised
in a timer callback, its listings were never answered, and the crawl waited for ever. Now the pool
is abandoned (its other workers killed, never waited on in the event loop) and a new one started.
Killed while batches are in flight, their pages become recorded faults, fetched again the next
night. Either way the night ends and every detail page is a listing or a recorded fault.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from tests.conftest import TUTORWATCH
from tests.support.listing_site import serve_site, site_config, site_pages
from tests.support.processes import children

PAGES = 600


class Gated(dict):
    """The site's pages; the first list page is answered only once ``open`` is set (``asked`` says it was asked)."""

    def __init__(self, pages: dict[str, bytes]) -> None:
        super().__init__(pages)
        self.asked, self.open = threading.Event(), threading.Event()

    def get(self, path: str, default: bytes | None = None) -> bytes | None:  # type: ignore[override]
        if path == "/list/1.html":
            self.asked.set()
            self.open.wait(60)
        return super().get(path, default)


def _detection_workers(crawl: int) -> list[int]:
    """The workers forked from the crawl's forkserver (no big page here, so no lane)."""
    for child in children(crawl):
        try:
            if b"forkserver" in Path(f"/proc/{child}/cmdline").read_bytes():
                return children(child)
        except OSError:
            continue
    return []


def _count(db: Path, sql: str) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:  # not created yet, or busy: look again
        return 0


def _crawl(tmp_path: Path, pages: dict[str, bytes], kill: Callable[[subprocess.Popen], int | None]) -> None:
    """A night over the generated site; ``kill`` kills a worker (its pid) or says not yet (None)."""
    sites = tmp_path / "sites"
    sites.mkdir()
    db = tmp_path / "leads.db"
    with serve_site(pages) as port:
        config = site_config(port)
        (sites / "generated.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
        command = [TUTORWATCH, "--db", str(db), "--reports-dir", str(tmp_path / "reports"), "--sites-dir", str(sites)]
        crawl = subprocess.Popen([*command, "crawl"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        killed = None
        deadline = time.monotonic() + 120
        while killed is None and crawl.poll() is None and time.monotonic() < deadline:
            killed = kill(crawl)
            time.sleep(0.02)
        try:
            _, err = crawl.communicate(timeout=240)
        except subprocess.TimeoutExpired:
            crawl.kill()
            crawl.communicate()
            raise AssertionError("the night hung after a detection worker was killed") from None
    assert killed is not None, "the crawl ended before a worker could be killed"
    assert crawl.returncode in (0, 3), err[-2000:]
    listings = _count(db, "SELECT listings FROM run_sites")
    lost = _count(db, "SELECT count(*) FROM run_faults WHERE reason LIKE '%detection worker died%'")
    assert listings + lost == PAGES, (listings, lost)


def _kill_one(crawl: subprocess.Popen) -> int | None:
    workers = _detection_workers(crawl.pid)
    if not workers:
        return None
    os.kill(workers[0], signal.SIGKILL)
    return workers[0]


def test_a_worker_killed_while_idle_neither_hangs_the_night_nor_loses_a_page(tmp_path: Path) -> None:
    pages = Gated(site_pages(PAGES))

    def before_any_page(crawl: subprocess.Popen) -> int | None:
        if not pages.asked.is_set():
            return None
        killed = _kill_one(crawl)
        if killed is not None:
            time.sleep(2)  # the pool's manager thread sees the death and marks the pool broken (at once, idle)
            pages.open.set()
        return killed

    _crawl(tmp_path, pages, before_any_page)  # no batch was in flight: on the old code, the night hung here


def test_a_worker_killed_mid_night_leaves_its_batch_as_faults_and_the_night_ends(tmp_path: Path) -> None:
    db = tmp_path / "leads.db"
    _crawl(
        tmp_path,
        site_pages(PAGES),
        lambda crawl: _kill_one(crawl) if _count(db, "SELECT count(*) FROM leads") else None,
    )
