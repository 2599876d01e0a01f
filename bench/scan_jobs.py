"""`tutorwatch scan --json --jobs 2` against `--jobs 1` on the same JSON Lines, in turn, in one run.

    .venv/bin/python bench/scan_jobs.py [--lines 60000] [--repeat 3] [--tiny]

Input: the bundled listings (data/**/*.jsonl) repeated to ``--lines`` lines, each with its own id.
Each round runs ``--jobs 1`` then ``--jobs 2`` (each in its own process, from start to the last
line written) and prints their wall times, their ratio and the CPU time of each command with its
workers (``RUSAGE_CHILDREN``; the workers are forked by a forkserver that outlives the command by
a moment, so this process is made their subreaper and reaps them before reading it); both outputs
must be byte for byte the same. On a shared machine the ratio of one round is only as good as the
two cores were free during it: read the spread.
``--tiny``: 300 lines, one round: that it runs (the test suite).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.support, from the checkout

from tests.support.processes import adopt_orphans, reap_forkservers  # noqa: E402

# The command as the console script runs it, also writing its own CPU time (not its workers') to a file at exit.
COMMAND = """import atexit, resource, sys
path = sys.argv.pop(1)
def own():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    with open(path, "w") as out:
        out.write(str(usage.ru_utime + usage.ru_stime))
atexit.register(own)
from crawler.console import main
sys.argv[0] = "tutorwatch"
main()
"""


def write_lines(path: Path, count: int) -> None:
    listings = []
    for source in sorted((ROOT / "data").glob("**/*.jsonl")):
        for line in source.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                text = item.get("text", item.get("body", ""))
                listings.append({"title": item["title"], "text": text, "platform": item.get("platform")})
    with path.open("w", encoding="utf-8") as out:
        for number in range(count):
            out.write(json.dumps({"id": number, **listings[number % len(listings)]}, ensure_ascii=False) + "\n")


def run(jobs: int, source: Path, output: Path, home: Path) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds of the command with its workers, of the command alone) of one scan."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    own = home / "own-cpu"
    options = ["--jobs", str(jobs), str(source)]
    with output.open("wb") as out:
        subprocess.run(
            [sys.executable, "-c", COMMAND, str(own), "--db", str(home / "leads.db"), "scan", "--json", *options],
            stdout=out,
            check=True,
            cwd=home,
        )
    wall = time.perf_counter() - start
    reap_forkservers()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, float(own.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=60_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tiny", action="store_true", help="300 lines, one round: that it runs")
    args = parser.parse_args()
    adopt_orphans()
    lines, repeat = (300, 1) if args.tiny else (args.lines, args.repeat)
    ratios: list[float] = []
    ceilings: list[float] = []
    with tempfile.TemporaryDirectory(prefix="scan-jobs-") as tmp:
        home = Path(tmp)
        source = home / "listings.jsonl"
        write_lines(source, lines)
        print(f"{lines:,} lines, {source.stat().st_size / 1e6:.1f} MB")
        print(
            "| round | --jobs 1 wall | --jobs 2 wall | jobs 2 / jobs 1 speed | CPU jobs 1 | CPU jobs 2 (all) "
            "| of it the reading process | two free cores would give |"
        )
        print("|---|---|---|---|---|---|---|---|")
        for round_number in range(1, repeat + 1):
            one, one_cpu, _ = run(1, source, home / "one.jsonl", home)
            two, two_cpu, parent = run(2, source, home / "two.jsonl", home)
            if (home / "one.jsonl").read_bytes() != (home / "two.jsonl").read_bytes():
                sys.exit("scan_jobs: --jobs 1 and --jobs 2 wrote different lines")
            ratios.append(one / two)
            bound = one_cpu / max(two_cpu / 2, parent)  # CPU-bound: the busier of the two cores sets the pace
            ceilings.append(bound)
            print(
                f"| {round_number} | {one:.2f} s | {two:.2f} s | {one / two:.2f}× | {one_cpu:.1f} s | {two_cpu:.1f} s "
                f"| {parent:.1f} s | {bound:.2f}× |"
            )
    print(f"jobs 2 / jobs 1 speed: {min(ratios):.2f}–{max(ratios):.2f}× over {len(ratios)} round(s)")
    print(f"CPU bound with two free cores: {min(ceilings):.2f}–{max(ceilings):.2f}×")


if __name__ == "__main__":
    main()
