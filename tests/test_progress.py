"""Live progress at a terminal (a real pseudo-terminal); without one, see test_night_report (a plain log file)."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import threading

from tests.conftest import TUTORWATCH, Workspace

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def run_at_terminal(cmd: list[str]) -> tuple[int, str]:
    """Run with stderr on a pseudo-terminal, reading it as it comes (a full pty would block the crawl)."""
    leader, follower = pty.openpty()
    env = {**os.environ, "TERM": "xterm", "COLUMNS": "100"}
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=follower, env=env)
    os.close(follower)
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:  # EIO: the process closed the terminal
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    code = process.wait(timeout=300)
    reader.join(10)
    os.close(leader)
    return code, ANSI.sub("", b"".join(chunks).decode("utf-8", "replace"))


def test_interactive_crawl_shows_live_progress_per_site(workspace: Workspace) -> None:
    cmd = [TUTORWATCH, "--db", str(workspace.db), "--reports-dir", str(workspace.reports)]
    cmd += ["--sites-dir", str(workspace.samples.sites_dir), "crawl", "--site", "gig_jobs", "--site", "jiazheng_agency"]
    code, screen = run_at_terminal(cmd)
    assert code == 0, screen
    assert "TutorWatch crawl" in screen
    assert re.search(r"site\s*┃\s*pages\s*┃\s*listings\s*┃\s*leads\s*┃\s*errors\s*┃\s*state", screen)
    final = {m[0]: m[1:] for m in re.findall(r"│ (\w+)\s*│\s*(\d+) │\s*(\d+) │\s*(\d+) │\s*(\d+) │ finished", screen)}
    assert final["gig_jobs"][1] == "50" and final["jiazheng_agency"][1] == "50"
    assert int(final["gig_jobs"][2]) > 0, "leads counted as the store records them"
