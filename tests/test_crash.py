"""Crash safety: a crawl SIGKILLed at a random moment (fetching, storing or exporting) loses nothing.

For each seed the kill lands at a different point of a real crawl of the sample sites, after a
first night has already written report files. Then: the database passes integrity_check, every
report file on disk is a complete old or new version (never half), and the next crawl brings
exactly the leads an uninterrupted crawl finds, none twice.
"""

from __future__ import annotations

import csv
import io
import json
import random
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook

from crawler.leads.columns import LEAD_COLUMNS
from tests.conftest import Samples, Workspace

SEEDS = [11, 23]  # kills at 0.61 (mid-crawl: fetching and storing) and 1.03 (export, or just after) of a whole crawl
FIRST_NIGHT_SITE = "jiajiao_classifieds"


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, samples: Samples) -> tuple[set[str], float]:
    """The leads of one uninterrupted crawl, and how long it took here."""
    workspace = Workspace(tmp_path_factory.mktemp("reference"), samples)
    started = time.monotonic()
    assert workspace.run("crawl").returncode == 0
    return lead_ids(workspace.db), time.monotonic() - started


def lead_ids(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {row[0] for row in conn.execute("SELECT lead_id FROM leads")}


def assert_reports_whole(reports: Path) -> None:
    """Every report file present parses completely: the old version or the new, never a torn one."""
    for path in reports.glob("leads*.csv"):
        text = path.read_bytes().decode("utf-8-sig")
        table = list(csv.reader(io.StringIO(text, newline="")))
        assert table[0] == list(LEAD_COLUMNS) and text.endswith("\r\n"), path
        assert all(len(row) == len(LEAD_COLUMNS) for row in table), path
    if (reports / "leads.xlsx").exists():
        load_workbook(reports / "leads.xlsx", read_only=True).close()
    for path in reports.glob("runs/*/summary.json"):
        json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("seed", SEEDS)
def test_killed_at_a_random_moment_loses_and_duplicates_nothing(
    seed: int, reference: tuple[set[str], float], workspace: Workspace
) -> None:
    expected, duration = reference
    assert workspace.run("crawl", "--site", FIRST_NIGHT_SITE).returncode == 0  # old reports to be replaced
    process = subprocess.Popen(workspace.command("crawl"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + random.Random(seed).uniform(0.2, 1.1) * duration
    while process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    with sqlite3.connect(workspace.db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        statuses = [row[0] for row in conn.execute("SELECT status FROM runs ORDER BY run_id")]
    finished = len(statuses) == 2 and statuses[-1] != "running"  # the killed crawl got as far as its export
    assert_reports_whole(workspace.reports)
    again = workspace.run("crawl")
    assert again.returncode == 0, again.stderr
    assert_reports_whole(workspace.reports)
    assert lead_ids(workspace.db) == expected
    with sqlite3.connect(workspace.db) as conn:
        seen = dict(conn.execute("SELECT lead_id, times_seen FROM leads"))
        first_night = {row[0] for row in conn.execute("SELECT lead_id FROM leads WHERE site = ?", (FIRST_NIGHT_SITE,))}
    nights = 2 if finished else 1  # a complete killed night makes the next crawl another night
    wanted = {lead: nights + (lead in first_night) for lead in seen}
    assert seen == wanted, "no lead counted twice in one night"
