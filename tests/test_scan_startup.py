"""What ``scan`` starts with: none of the crawl's libraries, and workers that do not run the caller's script again."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CRAWL_ONLY = ("scrapy", "twisted", "warcio", "scrapy_playwright", "playwright", "openpyxl", "redis", "html_text")

# The console script's own code, in this interpreter, writing the top-level modules it ended with at exit.
SCAN_IN_PROCESS = """import atexit, json, sys
out = sys.argv.pop(1)
atexit.register(lambda: open(out, "w").write(json.dumps(sorted({name.split(".")[0] for name in sys.modules}))))
sys.argv[0] = "tutorwatch"
from crawler.console import main
main()
"""


def test_scan_imports_none_of_the_crawls_libraries(tmp_path: Path) -> None:
    """Scrapy, Twisted and warcio alone took about 0.4 s of CPU before `scan` read its first line, in every
    `scan` and, with --jobs, before the workers' forkserver was started."""
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": 1, "title": "初中数学一对一", "text": "老师上门，保证提分"}) + "\n")
    modules = tmp_path / "modules.json"
    for jobs in ("1", "2"):
        command = [sys.executable, "-c", SCAN_IN_PROCESS, str(modules), "--db", str(tmp_path / "leads.db")]
        done = subprocess.run(
            [*command, "scan", "--json", "--jobs", jobs, str(source)], capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["flagged"] is True
        loaded = set(json.loads(modules.read_text()))
        assert "detectors" in loaded  # the check sees what the command imported
        assert loaded.isdisjoint(CRAWL_ONLY), (jobs, loaded & set(CRAWL_ONLY))


CALLER = """import os, sys
with open(sys.argv[1] if __name__ == "__main__" else os.environ["RUNS_OF_CALLER"], "a") as runs:
    runs.write(f"{os.getpid()}\\n")

from crawler.analysis.pool import EnginePool
from detectors.engine import EngineConfig


def whose(engine, _):
    return os.getpid(), os.getppid()


if __name__ == "__main__":
    os.environ["RUNS_OF_CALLER"] = sys.argv[1]
    with EnginePool(EngineConfig(), 2) as pool:
        pool.warm()
        print(*{pool.submit(whose, None).result() for _ in range(8)})
"""


def test_workers_do_not_run_the_callers_script_again(tmp_path: Path) -> None:
    """A worker started by multiprocessing runs its caller's script as ``__mp_main__`` before its first task;
    the forkserver runs it once and its workers inherit the module."""
    script, runs = tmp_path / "caller.py", tmp_path / "runs"
    script.write_text(CALLER)
    done = subprocess.run(
        [sys.executable, str(script), str(runs)], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert done.returncode == 0, done.stderr
    workers = [tuple(map(int, pair.strip("()").split(", "))) for pair in done.stdout.strip().split(") (")]
    ran_in = [int(pid) for pid in runs.read_text().split()]
    forkservers = {parent for _, parent in workers}
    assert len(forkservers) == 1 and ran_in[1:] == list(forkservers), (ran_in, workers)  # the caller, its forkserver
    assert not {worker for worker, _ in workers} & set(ran_in)
