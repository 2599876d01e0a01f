"""bench/hostile_night.py in its tiny mode: the benchmark runs, and the night it measures ends well.

Its figures (memory, pages per second) are timings and stay in the benchmark; what is asserted
here is what must hold on any machine: every crawl finished, the hostile site was crawled and
the ordinary site's pages all came in, and the figures were measured.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench" / "hostile_night.py"


def test_hostile_night_benchmark_tiny() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH), "--tiny", "--json"], capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, result.stderr[-2000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    [night] = figures["nights"]
    assert night["exit"] == 0 and night["hostile_pages"] > 10
    assert night["peak_mb"] > 50 and night["peak_tasks"] >= 1
    # the tree's processes told apart (the big pages' lane is forked from the forkserver, like the workers)
    assert {"crawl", "forkserver", "detection workers", "big-page lane"} <= set(night["peak_mb_by_kind"]), night
    assert sum(night["at_peak_mb_by_kind"].values()) in range(night["peak_mb"] - 3, night["peak_mb"] + 4), night
    modes = [row["mode"] for row in figures["speed"]]
    assert modes == ["alone", "beside one 10 MB page", "beside 2 pages of 10 MB"]
    for row in figures["speed"]:
        assert row["pages"] == 150 and row["pages_per_s"] > 0 and set(row["exit"]) == {0}, row
