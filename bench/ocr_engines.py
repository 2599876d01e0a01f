"""OCR engines compared on the generated ad posters: accuracy, violations found, false flags, speed on one core.

    .venv/bin/python bench/ocr_engines.py [--tiny] [--engines rapidocr,rapidocr-defaults,tesseract] [--json FILE]

Input: every poster of tests/support/posters.py (violations and clean, drawn from fixed seeds).
Each engine reads every poster through ``read_image_text`` (the same decoding and limits), then:
- character accuracy = 1 − CER: edit distance between the recognised text and the poster's
  text (both NFKC-folded, whitespace removed, lines in reading order), summed over posters,
  over the number of characters of the posters' text;
- violations found: share of violation posters that ``analyze("", recognised text)`` flags,
  and share where it names one of the poster's own categories;
- false flags: clean posters that analyze() flags;
- images/s on one core: the process is pinned to one CPU, onnxruntime, OpenCV and tesseract
  (OMP_THREAD_LIMIT) run one thread; the time is decoding + OCR, the model already loaded.
  Given as images per CPU-second (this process's and its tesseract children's user + system
  time: what other work on a shared machine does not change) and per wall-clock second.
The "poster text itself" row runs analyze() on the true text: what the detectors can do with
perfect OCR. Engines: ``rapidocr`` (ours, OcrSettings(): detector at the image's own size, at most
max_side px a side), ``rapidocr-maxN`` (the same, at most N px a side), ``rapidocr-defaults``
(the package's own setting: shorter side scaled up to 736 px, at most 2000), ``tesseract`` (Debian's
tesseract-ocr + tesseract-ocr-chi-sim, the CLI, page segmentation mode 11 (sparse text)) and
``tesseract-psmN`` (another mode); tesseract is skipped, and said so, when it is not installed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # tesseract's OpenMP
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support: the poster generator

import numpy as np
from PIL import Image

from detectors import analyze
from detectors.ocr import OcrSettings, TextLine, read_image_text
from detectors.ocr.engines import OcrEngine, RapidOcrEngine
from tests.support.poster_texts import CLEAN, VIOLATIONS
from tests.support.posters import Poster, draw


class RapidOcrDefaults(RapidOcrEngine):
    """rapidocr with the package's own detector setting, to show what ours changes."""

    DETECT: ClassVar[dict[str, object]] = {}


class TesseractEngine:
    """Debian's tesseract CLI with the chi_sim model; words grouped into its own lines (TSV output)."""

    def __init__(self, psm: int = 11) -> None:
        self.psm = psm

    def recognize(self, pixels: np.ndarray) -> list[TextLine]:
        png = _png(pixels)
        command = ["tesseract", "stdin", "stdout", "-l", "chi_sim", "--psm", str(self.psm), "tsv"]
        out = subprocess.run(command, input=png, capture_output=True, check=True, timeout=60).stdout
        words: dict[tuple[str, str, str], list[tuple[str, float, int, int, int, int]]] = {}
        for row in out.decode("utf-8").splitlines()[1:]:
            cells = row.split("\t")
            if len(cells) == 12 and cells[0] == "5" and cells[11].strip():
                left, top, width, height = map(int, cells[6:10])
                words.setdefault((cells[2], cells[3], cells[4]), []).append(
                    (cells[11].strip(), float(cells[10]), left, top, left + width, top + height)
                )
        lines = []
        for group in words.values():
            text = _join_words([w[0] for w in group])
            x0, y0 = min(w[2] for w in group), min(w[3] for w in group)
            x1, y1 = max(w[4] for w in group), max(w[5] for w in group)
            confidence = sum(w[1] for w in group) / len(group) / 100
            lines.append(TextLine(text, round(confidence, 4), ((x0, y0), (x1, y0), (x1, y1), (x0, y1))))
        return lines


def _join_words(words: list[str]) -> str:
    """Tesseract splits Chinese into one "word" per character: join them, keep spaces between Latin words."""
    text = words[0]
    for word in words[1:]:
        text += " " + word if text[-1].isascii() and word[0].isascii() else word
    return text


def _png(pixels: np.ndarray) -> bytes:
    import io

    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "PNG", compress_level=1)
    return out.getvalue()


def engines(names: list[str], settings: OcrSettings) -> dict[str, Callable[[], OcrEngine] | str]:
    """Engine factories by name (``tesseract-psmN`` for another page segmentation mode), or why one is skipped."""
    found: dict[str, Callable[[], OcrEngine] | str] = {}
    for name in names:
        limits = (settings.threads, settings.min_confidence, settings.max_lines)
        if name == "rapidocr" or name.startswith("rapidocr-max"):  # rapidocr-maxN: images read at most N px a side
            side = int(name.removeprefix("rapidocr-max")) if name != "rapidocr" else settings.max_side
            found[name] = lambda side=side, limits=limits: RapidOcrEngine(*limits, side)
        elif name == "rapidocr-defaults":
            found[name] = lambda limits=limits: RapidOcrDefaults(*limits, 2000)
        elif name == "tesseract" or name.startswith("tesseract-psm"):
            psm = int(name.removeprefix("tesseract-psm")) if name != "tesseract" else 11
            ready = _tesseract_ready()
            found[name] = (lambda psm=psm: TesseractEngine(psm)) if ready else "skipped: tesseract or chi_sim missing"
        else:
            raise SystemExit(f"unknown engine {name!r}")
    return found


def _tesseract_ready() -> bool:
    if not shutil.which("tesseract"):
        return False
    langs = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True).stdout.split()
    return "chi_sim" in langs


def folded(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions), two rows at a time."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


@dataclass
class Score:
    name: str
    errors: int = 0
    chars: int = 0
    violations: int = 0
    found: int = 0
    found_category: int = 0
    clean: int = 0
    false_flags: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    images: int = 0
    load_seconds: float = 0.0
    misses: list[str] = field(default_factory=list)

    def judge(self, poster: Poster, text: str) -> None:
        self.errors += edit_distance(folded(text), folded(poster.truth))
        self.chars += len(folded(poster.truth))
        analysis = analyze("", text, poster.text.platform)
        if poster.violation:
            self.violations += 1
            self.found += analysis.flagged
            self.found_category += analysis.flagged and bool(set(analysis.categories) & set(poster.text.categories))
            if not analysis.flagged:
                self.misses.append(f"{poster.poster_id}: {text!r}")
        else:
            self.clean += 1
            self.false_flags += analysis.flagged
            if analysis.flagged:
                self.misses.append(f"{poster.poster_id} flagged {analysis.categories}: {text!r}")

    def row(self) -> dict[str, object]:
        return {
            "engine": self.name,
            "char_accuracy": round(1 - self.errors / self.chars, 3) if self.chars else None,
            "violations_found": f"{self.found}/{self.violations}",
            "found_share": round(self.found / self.violations, 3) if self.violations else None,
            "with_own_category": f"{self.found_category}/{self.violations}",
            "false_flags": f"{self.false_flags}/{self.clean}",
            "images_per_cpu_s": round(self.images / self.cpu_seconds, 2) if self.cpu_seconds else None,
            "images_per_wall_s": round(self.images / self.seconds, 2) if self.seconds else None,
            "model_load_s": round(self.load_seconds, 2) if self.images else None,
        }


def cpu_time() -> float:
    """User + system seconds of this process and of the children it waited for (tesseract)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def one_core() -> str:
    """Pin this process (and the tesseract processes it starts) to one CPU."""
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return f"pinned to CPU {cpu}; onnxruntime, OpenCV and OpenMP at 1 thread"


def run(posters: list[Poster], names: list[str], settings: OcrSettings) -> tuple[list[Score], list[str]]:
    truth = Score("poster text itself (perfect OCR)")
    for poster in posters:
        truth.judge(poster, poster.truth)
    scores, notes = [truth], []
    for name, factory in engines(names, settings).items():
        if isinstance(factory, str):
            notes.append(f"{name}: {factory}")
            continue
        score = Score(name)
        start = time.perf_counter()
        engine = factory()
        score.load_seconds = time.perf_counter() - start
        read_image_text(posters[0].image, settings, engine)  # warm-up: onnxruntime's first run allocates
        for poster in posters:
            start, cpu = time.perf_counter(), cpu_time()
            result = read_image_text(poster.image, settings, engine)
            score.seconds += time.perf_counter() - start
            score.cpu_seconds += cpu_time() - cpu
            score.images += 1
            if result.problem is not None:
                notes.append(f"{name}: {poster.poster_id} {result.problem.value} {result.detail}")
            score.judge(poster, result.text)
        scores.append(score)
    return scores, notes


def table(scores: list[Score]) -> str:
    rows = [score.row() for score in scores]
    head = list(rows[0])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join("" if row[k] is None else str(row[k]) for k in head) + " |" for row in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="two violation and two clean posters (the suite's run)")
    parser.add_argument("--engines", default="rapidocr,rapidocr-defaults,tesseract")
    parser.add_argument("--misses", action="store_true", help="print what each engine read on posters it got wrong")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON")
    args = parser.parse_args()
    texts = [*VIOLATIONS[:2], *CLEAN[:2]] if args.tiny else [*VIOLATIONS, *CLEAN]
    posters = [draw(text) for text in texts]
    print(one_core())
    print(
        f"{len(posters)} posters ({sum(p.violation for p in posters)} violations, "
        f"{sum(not p.violation for p in posters)} clean), {sum(len(folded(p.truth)) for p in posters)} characters"
    )
    scores, notes = run(posters, args.engines.split(","), OcrSettings())
    print(table(scores))
    for note in notes:
        print(note)
    if args.misses:
        for score in scores:
            for miss in score.misses:
                print(f"{score.name}: {miss}")
    if args.json:
        args.json.write_text(json.dumps([s.row() for s in scores], ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
