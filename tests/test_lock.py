"""One crawl at a time per database, with two real processes; a crash leaves no stale lock."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from crawler.runs.lock import lock_path
from tests.conftest import TUTORWATCH

PAGE = b"<html><body><ul class='posts'></ul></body></html>"


class Gate:
    """A local site that answers nothing until the test opens the gate, so a crawl stays running."""

    def __init__(self) -> None:
        self.open = threading.Event()
        gate = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                gate.open.wait(60)
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(PAGE)))
                self.end_headers()
                self.wfile.write(PAGE)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]


@pytest.fixture
def gate(tmp_path: Path) -> Iterator[Gate]:
    site = Gate()
    thread = threading.Thread(target=site.server.serve_forever, daemon=True)
    thread.start()
    yield site
    site.open.set()
    site.server.shutdown()
    site.server.server_close()


def crawl(root: Path, port: int) -> list[str]:
    sites = root / "sites"
    sites.mkdir(exist_ok=True)
    (sites / "gated.yaml").write_text(
        f"name: gated\nplatform: tutoring\nstart_urls: ['http://127.0.0.1:{port}/list/1.html']\n"
        "list: {detail_links: 'ul.posts a::attr(href)'}\ndetail: {title: h1, body: div}\n",
        encoding="utf-8",
    )
    db, reports = root / "leads.db", root / "reports"
    return [TUTORWATCH, "--db", str(db), "--reports-dir", str(reports), "--sites-dir", str(sites), "crawl"]


def start_holding_lock(cmd: list[str], db: Path) -> subprocess.Popen:
    """Start a crawl and wait until it has written its pid into the lock file."""
    holder = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while f"pid {holder.pid}," not in (lock_path(db).read_text() if lock_path(db).exists() else ""):
        assert holder.poll() is None and time.monotonic() < deadline, "the first crawl never took the lock"
        time.sleep(0.05)
    return holder


def test_second_crawl_exits_at_once_while_the_first_runs(tmp_path: Path, gate: Gate) -> None:
    cmd = crawl(tmp_path, gate.port)
    first = start_holding_lock(cmd, tmp_path / "leads.db")
    second = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert first.poll() is None, "the second crawl returned while the first still ran"
    assert second.returncode == 7
    [line] = second.stderr.strip().splitlines()
    assert line.startswith("tutorwatch: error: another crawl is running") and f"pid {first.pid}" in line
    gate.open.set()
    _, errors = first.communicate(timeout=120)
    assert first.returncode == 5, errors  # the gated site lists nothing: every site failed


def test_a_killed_crawl_leaves_no_stale_lock(tmp_path: Path, gate: Gate) -> None:
    cmd = crawl(tmp_path, gate.port)
    killed = start_holding_lock(cmd, tmp_path / "leads.db")
    killed.kill()  # SIGKILL: no cleanup runs; the kernel drops the flock with the process
    killed.wait(30)
    gate.open.set()
    after = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert lock_path(tmp_path / "leads.db").exists()
    assert after.returncode == 5 and "another crawl" not in after.stderr, after.stderr
