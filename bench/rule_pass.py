"""Throughput of the whole rule pass against a bare Aho-Corasick scan of the same text, in one run.

    .venv/bin/python bench/rule_pass.py [--repeat N] [--baseline GIT_REF]

Input: every bundled listing (sample sites and data/labels batches), title + "\\n" + text.
Reported: MB/s of UTF-8 and listings/s on one core for the rule pass (fold, de-obfuscate, match,
explain, score), bare overlapping scans with the catalogue's terms by ahocorasick-rs and
pyahocorasick, OpenCC t2s alone, and, when a model is installed, classifier inference and the
whole analyze() with it. Ratios, not absolute times, are what compare across machines.
``--baseline REF`` also times the rule pass and analyze() with the rules and model of that git
commit (e.g. the one before a change to the catalogue), on the same input in the same run, and
prints current / baseline.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path

import ahocorasick
import ahocorasick_rs
import opencc

from detectors.engine import Engine, EngineConfig
from detectors.models import Document
from detectors.normalize import normalize

ROOT = Path(__file__).resolve().parent.parent


def corpus() -> list[tuple[str, str, str | None]]:
    docs = []
    for path in sorted((ROOT / "data").glob("**/*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                docs.append((item["title"], item.get("text", item.get("body", "")), item.get("platform")))
    return docs


def best_seconds(fn, repeat: int, clock=time.perf_counter) -> float:
    """The best of three runs of ``fn`` ``repeat`` times, by ``clock``."""
    best = float("inf")
    for _ in range(3):
        start = clock()
        for _ in range(repeat):
            fn()
        best = min(best, clock() - start)
    return best


def timed(label: str, fn, texts: list[str], repeat: int) -> float:
    size = sum(len(t.encode("utf-8")) for t in texts) * repeat
    best = best_seconds(fn, repeat)
    rate = size / best / 1e6
    print(f"{label:<42} {rate:8.2f} MB/s {len(texts) * repeat / best:10.0f} listings/s")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", metavar="REF", help="also time the rules and model of this git commit")
    args = parser.parse_args()
    docs = corpus()
    texts = [f"{title}\n{text}" for title, text, _ in docs]
    start = time.perf_counter()
    rules_only = Engine(EngineConfig(detectors=("rules",)))
    detector = rules_only
    print(
        f"catalogue build: {time.perf_counter() - start:.2f} s (after imports); {len(texts)} listings, "
        f"{sum(len(t.encode()) for t in texts) / 1e3:.0f} kB"
    )
    terms = sorted({t for lex in detector.catalogue.lexicons.values() for t in lex})
    rs = ahocorasick_rs.AhoCorasick(terms)
    py = ahocorasick.Automaton()
    for term in terms:
        py.add_word(term, term)
    py.make_automaton()
    converter = opencc.OpenCC("t2s")
    bare_rs = timed(
        "bare scan, ahocorasick-rs (overlapping)",
        lambda: [rs.find_matches_as_indexes(t, overlapping=True) for t in texts],
        texts,
        args.repeat,
    )
    timed("bare scan, pyahocorasick (overlapping)", lambda: [list(py.iter(t)) for t in texts], texts, args.repeat)
    timed("OpenCC t2s alone", lambda: [converter.convert(t) for t in texts], texts, args.repeat)
    timed("fold (normalize) alone", lambda: [normalize(t) for t in texts], texts, args.repeat)
    documents = [Document(*d) for d in docs]
    whole = timed(
        "whole rule pass (rules only)",
        lambda: rules_only.analyze_many(documents),
        texts,
        args.repeat,
    )
    print(f"whole rule pass / bare ahocorasick-rs = {whole / bare_rs:.3f}")
    engine = Engine(EngineConfig())
    model = engine.model
    if model is None:
        print("no model in data/models: run `tutorwatch train` for the classifier lines")
        return
    prepared = [engine.fold(t) for t in texts]
    timed("classifier inference alone", lambda: model.predict(prepared), texts, args.repeat)
    timed("analyze(): every detector", lambda: engine.analyze_many(documents), texts, args.repeat)
    card = model.card
    print(
        f"model {model.path.name}: {model.path.stat().st_size / 1e6:.1f} MB, fitted and tuned in "
        f"{card['training_seconds']} s on {card['data']['train']} listings"
    )
    if args.baseline:
        compare(args.baseline, documents, args.repeat)


def baseline_config(ref: str, into: Path) -> EngineConfig:
    """The rules and shipped model of git commit ``ref``, unpacked into ``into``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "rules", "data/models"], check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    model = into / "data" / "models" / "tutorwatch.pkl.gz"
    return EngineConfig(rules_dir=into / "rules", model=model if model.exists() else None)


def cpu_rate(fn, count: int, repeat: int) -> float:
    """Listings per CPU second of this process (best of three): other load on a shared machine does not count."""
    return count * repeat / best_seconds(fn, repeat, time.process_time)


def compare(ref: str, documents: list[Document], repeat: int) -> None:
    """Current vs ``ref``'s rules and model on the same input: rule pass and analyze(), alternated, in CPU time."""
    with tempfile.TemporaryDirectory() as tmp:
        old = baseline_config(ref, Path(tmp))
        for label, detectors in (("rule pass", ("rules",)), ("analyze()", ())):
            engines = {
                "baseline": Engine(EngineConfig(rules_dir=old.rules_dir, model=old.model, detectors=detectors)),
                "current": Engine(EngineConfig(detectors=detectors)),
            }
            rates = {name: 0.0 for name in engines}
            for _ in range(2):  # alternate, so that a slow moment hits both
                for name, engine in engines.items():
                    rate = cpu_rate(lambda e=engine: e.analyze_many(documents), len(documents), repeat)
                    rates[name] = max(rates[name], rate)
            for name, rate in rates.items():
                print(f"{label}, {name} ({ref if name == 'baseline' else 'this tree'}): {rate:8.0f} listings per CPU s")
            print(f"{label}: current / baseline = {rates['current'] / rates['baseline']:.3f}")


if __name__ == "__main__":
    main()
