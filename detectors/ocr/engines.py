"""The OCR engine behind ``read_image_text``: rapidocr-onnxruntime, its models loaded once per process.

rapidocr-onnxruntime 1.4 ships PP-OCRv4's Chinese detection and recognition models and the
angle classifier inside its wheel (``rapidocr_onnxruntime/models/*.onnx``, 16 MB) and never
downloads anything; ``model_files()`` names them so a test can check they are there.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import ClassVar, Protocol

import numpy as np

from detectors.ocr.results import TextLine
from detectors.ocr.settings import OcrSettings


class OcrEngine(Protocol):
    """Reads text lines (in any order) from an RGB uint8 array; may raise on a bad image."""

    def recognize(self, pixels: np.ndarray) -> list[TextLine]: ...


class RapidOcrEngine:
    """PP-OCRv4 through onnxruntime on the CPU: detect boxes, turn upside-down ones, recognise."""

    # The detector sees the image at its own size (at most max_side px a side). rapidocr's default
    # ("min", 736) scales the *shorter* side up to 736 px: several times the work on a wide banner.
    DETECT: ClassVar[dict[str, object]] = {"det_limit_type": "max"}

    def __init__(self, threads: int, min_confidence: float, max_lines: int, max_side: int) -> None:
        import cv2
        from rapidocr_onnxruntime import RapidOCR

        cv2.setNumThreads(threads)  # OpenCV's resizes and warps: the same core budget as onnxruntime
        self._ocr = RapidOCR(
            intra_op_num_threads=threads,
            inter_op_num_threads=threads,
            text_score=min_confidence,
            det_max_candidates=max_lines,
            max_side_len=max_side,
            **self.DETECT,
        )

    def recognize(self, pixels: np.ndarray) -> list[TextLine]:
        bgr = np.ascontiguousarray(pixels[:, :, ::-1])  # rapidocr takes arrays as OpenCV's BGR
        result, _ = self._ocr(bgr)
        lines = []
        for box, text, score in result or ():
            points = tuple((round(x), round(y)) for x, y in box)
            if text.strip():
                lines.append(TextLine(text.strip(), round(float(score), 4), points))  # type: ignore[arg-type]
        return lines


def model_files() -> list[Path]:
    """The ONNX models rapidocr loads: files inside the installed wheel."""
    import rapidocr_onnxruntime

    return sorted((Path(rapidocr_onnxruntime.__file__).parent / "models").glob("*.onnx"))


def engine_for(settings: OcrSettings) -> OcrEngine:
    """The engine for these settings, built once per process (loading the models takes ~0.3 s)."""
    if settings.engine != "rapidocr":
        raise ValueError(f"unknown OCR engine {settings.engine!r} (known: rapidocr)")
    return _rapidocr(settings.threads, settings.min_confidence, settings.max_lines, settings.max_side)


@cache
def _rapidocr(threads: int, min_confidence: float, max_lines: int, max_side: int) -> RapidOcrEngine:
    return RapidOcrEngine(threads, min_confidence, max_lines, max_side)
