"""Throughput of the analysis engine against a bare Aho-Corasick scan of the same text, in one run, on one core.

    .venv/bin/python bench/rule_pass.py [--repeat N] [--tiny] [--baseline GIT_REF]

Input: every bundled listing (sample sites and data/labels batches), title + "\\n" + text.
Reported: MB/s of UTF-8 and listings/s of CPU time (``time.process_time``: on a shared machine
the time others take is not counted) for bare overlapping scans with the catalogue's terms by
ahocorasick-rs and pyahocorasick, OpenCC t2s and folding alone, the whole rule pass (fold,
de-obfuscate, match, explain, score: the engine with its rules only) and the same engine without
the rules (fold, claims, scoring: what the rule pass costs before matching a single rule, so the
most its ratio to the bare scan can be), the native floor (the fold with de-obfuscation alone and the
rules' own term scan alone: what the rule pass would pay with rule evaluation free), the classifier's features
by jieba words beside character n-grams, classifier inference on a batch, and the engine with
every detector, batched (as scan, rescan and evaluate run it) and one listing at a time (as a
crawl's detection worker gets them). Ratios, not absolute rates, compare across machines.
``--tiny``: 100 listings, one repeat: that it runs (the test suite). ``--baseline REF`` also
times the rule pass and analyze() with the rules and model of that git commit (e.g. main before a
change to the catalogue) against this tree's, on the same input in the same run, alternated, and
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
from collections.abc import Callable
from pathlib import Path

import ahocorasick
import ahocorasick_rs
import opencc

from detectors.classifier import words
from detectors.engine import BATCH, Engine, EngineConfig, batches
from detectors.features import char_ngrams
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


def timed(label: str, fn: Callable[[], object], texts: list[str], repeat: int) -> float:
    """Listings per second of CPU time, best of three."""
    size = sum(len(t.encode("utf-8")) for t in texts) * repeat
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        for _ in range(repeat):
            fn()
        best = min(best, time.process_time() - start)
    rate = len(texts) * repeat / best
    print(f"{label:<52} {size / best / 1e6:8.2f} MB/s {rate:10.0f} listings/s")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tiny", action="store_true", help="100 listings, one repeat: that it runs")
    parser.add_argument("--baseline", metavar="REF", help="also time the rules and model of this git commit")
    args = parser.parse_args()
    docs = corpus()[:100] if args.tiny else corpus()
    repeat = 1 if args.tiny else args.repeat
    texts = [f"{title}\n{text}" for title, text, _ in docs]
    documents = [Document(*d) for d in docs]
    start = time.perf_counter()
    rules_only = Engine(EngineConfig(detectors=("rules",)))
    no_rules = Engine(EngineConfig(detectors=("claims",)))  # what the rule pass does besides matching
    print(
        f"rules engine build: {time.perf_counter() - start:.2f} s (after imports); {len(texts)} listings, "
        f"{sum(len(t.encode()) for t in texts) / 1e3:.0f} kB"
    )
    terms = sorted({t for lex in rules_only.catalogue.lexicons.values() for t in lex})
    rs = ahocorasick_rs.AhoCorasick(terms)
    py = ahocorasick.Automaton()
    for term in terms:
        py.add_word(term, term)
    py.make_automaton()
    converter = opencc.OpenCC("t2s")
    bare = timed(
        "bare scan, ahocorasick-rs (overlapping)",
        lambda: [rs.find_matches_as_indexes(t, overlapping=True) for t in texts],
        texts,
        repeat,
    )
    timed("bare scan, pyahocorasick (overlapping)", lambda: [list(py.iter(t)) for t in texts], texts, repeat)
    timed("OpenCC t2s alone", lambda: [converter.convert(t) for t in texts], texts, repeat)
    timed("fold (normalize) alone", lambda: [normalize(t) for t in texts], texts, repeat)
    whole = timed(
        "whole rule pass (engine, rules only, batched)", lambda: rules_only.analyze_many(documents), texts, repeat
    )
    print(f"whole rule pass / bare ahocorasick-rs = {whole / bare:.3f}")
    floor = timed(
        "engine without rules (fold, claims, scoring)", lambda: no_rules.analyze_many(documents), texts, repeat
    )
    print(f"engine without rules / bare ahocorasick-rs = {floor / bare:.3f} (the rule pass's ceiling)")
    # The native floor: what the rule pass would still pay if rule evaluation, findings and result
    # objects cost nothing (a matcher compiled to native code): the fold and the rules' own term scan.
    chunks = [[d.text for d in chunk] for chunk in batches(documents, BATCH)]
    fold = timed(
        "fold + de-obfuscation alone, batched",
        lambda: [rules_only.folder.fold_many(chunk) for chunk in chunks],
        texts,
        repeat,
    )
    contents = [n.text for chunk in chunks for n in rules_only.folder.fold_many(chunk)]
    index = next(d for d in rules_only.detectors if d.name == "rules").index  # type: ignore[attr-defined]
    scan = timed("the rules' term scan alone (automaton only)", lambda: index.matches_all(contents), texts, repeat)
    print(
        f"fold + de-obfuscation / bare = {fold / bare:.3f}; rules' term scan / bare = {scan / bare:.3f}; "
        f"both (the floor of a native matcher) / bare = {1 / (1 / fold + 1 / scan) / bare:.3f}"
    )
    engine = Engine(EngineConfig())
    model = engine.model
    if model is None:
        print("no model in data/models: run `tutorwatch train` for the classifier lines")
        return
    folded = [engine.fold(t) for t in texts]
    timed("features: jieba words alone", lambda: [words(t) for t in folded], texts, repeat)
    timed("features: char 1-3-grams alone (Python)", lambda: [char_ngrams(t, 1, 3) for t in folded], texts, repeat)
    timed("classifier inference, batched (features + product)", lambda: model.predict(folded), texts, repeat)
    timed("analyze(): every detector, batched", lambda: engine.analyze_many(documents), texts, repeat)
    timed(
        "analyze(): every detector, one listing at a time",
        lambda: [engine.analyze(d) for d in documents],
        texts,
        repeat,
    )
    card = model.card
    print(
        f"model {model.path.name}: {model.path.stat().st_size / 1e6:.1f} MB, fitted and tuned in "
        f"{card['training_seconds']} s on {card['data']['train']} listings; detectors: "
        + ", ".join(d.name for d in engine.detectors)
    )
    if args.baseline:
        compare(args.baseline, documents, texts, repeat)


def baseline_config(ref: str, into: Path) -> EngineConfig:
    """The rules and shipped model of git commit ``ref``, unpacked into ``into``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "rules", "data/models"], check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    model = into / "data" / "models" / "tutorwatch.pkl.gz"
    return EngineConfig(rules_dir=into / "rules", model=model if model.exists() else None)


def compare(ref: str, documents: list[Document], texts: list[str], repeat: int) -> None:
    """This tree's rules and model against ``ref``'s: rule pass and analyze(), alternated, best of each."""
    with tempfile.TemporaryDirectory() as tmp:
        old = baseline_config(ref, Path(tmp))
        for label, detectors in (("rule pass", ("rules",)), ("analyze()", ())):
            engines = {
                f"{ref}": Engine(EngineConfig(rules_dir=old.rules_dir, model=old.model, detectors=detectors)),
                "this tree": Engine(EngineConfig(detectors=detectors)),
            }
            rates = dict.fromkeys(engines, 0.0)
            for _ in range(2):  # alternate, so that a slow moment hits both
                for name, engine in engines.items():
                    rate = timed(f"{label}, {name}", lambda e=engine: e.analyze_many(documents), texts, repeat)
                    rates[name] = max(rates[name], rate)
            print(f"{label}: this tree / {ref} = {rates['this tree'] / rates[ref]:.3f}")


if __name__ == "__main__":
    main()
