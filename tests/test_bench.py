"""Every benchmark in bench/ runs, in a tiny mode, and prints its table: none breaks unnoticed.

Only that they run and report is checked here; their timings belong to bench/, never to tests.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
TINY = {
    "rule_pass.py": (["--tiny"], ["whole rule pass / bare ahocorasick-rs = ", "analyze(): every detector, batched"]),
    "versus_tree.py": (["--tiny"], ["round 1: this tree ", "this tree / other = "]),
    "store_scale.py": (
        ["--leads", "2000", "--night", "300", "--review", "300"],
        ["export: leads.csv", "review import of 300 rows", "one night: 300 listings", "peak memory"],
    ),
    "report_scale.py": (["--leads", "500", "--nights", "2"], ["night report", "period report (2 nights)"]),
    "crawl_speed.py": (
        ["--pages", "120", "--skip-redis", "--server", "python"],
        ["plain ", "full ", "full / plain: ", "all CPU per page while crawling, plain / full"],
    ),
    "image_crawl.py": (["--tiny"], ["| images off |", "| images on, night 2 |", "pages/s with images / without"]),
    "rendered_pictures.py": (
        ["--tiny"],
        ["| ours, night 2 |", "| from the browser, night 2 |", "browser seconds per page: images blocked"],
    ),
    "render_speed.py": (
        ["--pages", "4", "--lists", "4", "--browser-pages", "2"],
        [
            "| plain HTTP | 4 |",
            "| rendered + PNG screenshot |",
            "| youjiao_zhaopin | once the links are there (now) | 4 |",
        ],
    ),
    "main_text.py": (["--tiny"], ["4 saved pages", "| ours (pruned + trafilatura"]),
    "scan_jobs.py": (["--tiny"], ["| round | --jobs 1 wall", "jobs 2 / jobs 1 speed: "]),
    "ocr_worker_memory.py": (
        ["--tiny"],
        ["| engine built, no picture read |", "| 3 posters read |", "OCR loaded adds"],
    ),
}


ELSEWHERE = {  # benchmarks whose tiny run lives beside their own tests
    "ocr_engines.py": "tests/test_ocr.py",
    "hostile_night.py": "tests/test_bench_hostile.py",
}


def test_every_benchmark_has_a_tiny_run() -> None:
    assert {path.name for path in BENCH.glob("*.py")} == set(TINY) | set(ELSEWHERE)
    for script, test in ELSEWHERE.items():
        assert f"bench/{script}" in (BENCH.parent / test).read_text(encoding="utf-8")


@pytest.mark.parametrize("script", sorted(TINY))
def test_benchmark_runs_and_prints_its_table(script: str) -> None:
    if script == "render_speed.py" and not shutil.which("chromium"):
        pytest.skip("Debian's chromium is not installed")
    args, expected = TINY[script]
    result = subprocess.run(
        [sys.executable, str(BENCH / script), *args], capture_output=True, text=True, timeout=300, cwd=BENCH.parent
    )
    assert result.returncode == 0, result.stderr[-2000:]
    for text in expected:
        assert text in result.stdout, f"{script}: {text!r} missing from\n{result.stdout}"
