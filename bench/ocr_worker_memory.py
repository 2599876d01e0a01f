"""Memory of a detection worker with and without the OCR engine: what turning pictures on costs per worker.

    .venv/bin/python bench/ocr_worker_memory.py [--tiny]

Starts one detection worker as the crawl does (crawler/analysis/pool.py: a spawned process that
builds the rules + classifier engine), then asks it, step by step, for its resident memory
(VmRSS) and peak (VmHWM) from /proc/self/status:

1. the engine built, no picture read (a night where no site reads pictures stops here; whether
   onnxruntime, OpenCV or rapidocr are imported at this point is printed too);
2. the OCR engine built (rapidocr's three ONNX models loaded);
3. one poster read and its listing analysed;
4. every poster of tests/support/posters.py read (51; ``--tiny``: 3), one listing each.

Each step's figure is the same process's, so the differences are what each step added.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawler.analysis.pool import EnginePool, analyze_batch
from crawler.images.reading import OCR_SETTINGS, ImageJob
from detectors.engine import Engine, EngineConfig
from detectors.models import Document
from tests.support.poster_texts import CLEAN, VIOLATIONS
from tests.support.posters import draw

HEAVY = ("onnxruntime", "cv2", "rapidocr_onnxruntime")


def memory() -> tuple[float, float]:
    """(VmRSS, VmHWM) of this process in MB."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return tuple(int(fields[name].split()[0]) / 1024 for name in ("VmRSS", "VmHWM"))  # type: ignore[return-value]


def measured(engine: Engine, step: str) -> tuple[float, float, list[str]]:
    """A worker task: run one step in the worker, then its memory and which OCR modules it has imported."""
    if step == "ocr":
        from detectors.ocr.engines import engine_for

        engine_for(OCR_SETTINGS)
    return (*memory(), [name for name in HEAVY if name in sys.modules])


def read(engine: Engine, jobs: list[ImageJob]) -> tuple[float, float, list[str]]:
    analyze_batch(engine, jobs)
    return (*memory(), [name for name in HEAVY if name in sys.modules])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tiny", action="store_true", help="3 posters (the suite's run)")
    args = parser.parse_args()
    posters = [draw(text) for text in (*VIOLATIONS, *CLEAN)[: 3 if args.tiny else None]]
    jobs = [ImageJob(Document("看图", p.text.caption, "social"), ((p.poster_id, p.image),)) for p in posters]
    rows = []
    with EnginePool(EngineConfig(), 1) as pool:
        pool.warm()
        rows.append(("engine built, no picture read", *pool.submit(measured, "engine").result()))
        rows.append(("OCR engine built (models loaded)", *pool.submit(measured, "ocr").result()))
        rows.append(("one poster read", *pool.submit(read, jobs[:1]).result()))
        rows.append((f"{len(jobs)} posters read", *pool.submit(read, jobs).result()))
    print("| detection worker | RSS MB | peak MB | OCR modules imported |")
    print("|---|---|---|---|")
    for step, rss, peak, modules in rows:
        print(f"| {step} | {rss:.0f} | {peak:.0f} | {', '.join(modules) or 'none'} |")
    base = rows[0][1]
    print(f"OCR loaded adds {rows[1][1] - base:.0f} MB; reading adds up to {rows[-1][2] - base:.0f} MB at peak")


if __name__ == "__main__":
    main()
