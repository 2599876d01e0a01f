"""analyze() of another checkout (its code, rules and model) against this tree's, on the same listings, in one run.

    .venv/bin/python bench/versus_tree.py --tree /work/main [--rounds N] [--tiny]

``rule_pass.py --baseline REF`` swaps only the rules and model under this tree's code; this one
runs each checkout's own code too: every round starts one subprocess per checkout (PYTHONPATH at
it, this tree's interpreter), which warms its engine and times ``analyze_many`` over every
bundled labelled listing (this tree's) in CPU seconds of its own process, best of two; rounds
alternate, so that a busy moment on a shared machine hits both. Prints listings/s per round and
this tree / other. ``--rules-only``: the engine with its rules alone (the rule pass of rule_pass.py).
``--tiny``: 100 listings, one round (the test suite; the other tree defaults to this one).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def worker(listings: Path, repeat: int, detectors: tuple[str, ...]) -> None:
    """In the subprocess: the checkout's own engine timed on the listings; prints one JSON line."""
    from detectors.engine import Engine, EngineConfig
    from detectors.models import Document

    rows = [json.loads(line) for line in listings.read_text(encoding="utf-8").splitlines()]
    documents = [Document(row["title"], row["text"], row["platform"]) for row in rows]
    engine = Engine(EngineConfig(detectors=detectors))
    engine.analyze_many(documents[:200])  # lazy loads (model, jieba) are not what is timed
    best = 0.0
    for _ in range(repeat):
        started = time.process_time()
        engine.analyze_many(documents)
        best = max(best, len(documents) / max(time.process_time() - started, 1e-9))
    print(json.dumps({"rate": best}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=ROOT, help="the other checkout (e.g. /work/main)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tiny", action="store_true", help="100 listings, one round: that it runs")
    parser.add_argument("--rules-only", action="store_true", help="the whole rule pass alone (the engine's rules)")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.repeat, ("rules",) if args.rules_only else ())
        return
    sys.path.insert(0, str(ROOT))
    from detectors.evaluation import labelled_files, load_labelled

    items = load_labelled(labelled_files())[: 100 if args.tiny else None]
    rounds, repeat = (1, 1) if args.tiny else (args.rounds, 2)
    trees = {"this tree": ROOT, "other": args.tree.resolve()}
    rates: dict[str, list[float]] = {name: [] for name in trees}
    with tempfile.TemporaryDirectory() as tmp:
        listings = Path(tmp) / "listings.jsonl"
        listings.write_text(
            "".join(
                json.dumps({"title": i.title, "text": i.text, "platform": i.platform}, ensure_ascii=False) + "\n"
                for i in items
            ),
            encoding="utf-8",
        )
        for number in range(rounds):
            for name, tree in trees.items():
                env = {**os.environ, "PYTHONPATH": str(tree)}
                env.pop("TUTORWATCH_MODEL", None)
                done = subprocess.run(
                    [sys.executable, __file__, "--worker", str(listings), "--repeat", str(repeat)]
                    + (["--rules-only"] if args.rules_only else []),
                    env=env,
                    cwd=tree,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                rates[name].append(json.loads(done.stdout.strip().splitlines()[-1])["rate"])
            ratio = rates["this tree"][-1] / rates["other"][-1]
            print(
                f"round {number + 1}: this tree {rates['this tree'][-1]:,.0f} listings/s, "
                f"{args.tree} {rates['other'][-1]:,.0f}: this tree / other = {ratio:.3f}",
                flush=True,
            )
    print(
        f"{len(items)} listings; best / best: this tree / other = {max(rates['this tree']) / max(rates['other']):.3f}"
    )


if __name__ == "__main__":
    main()
