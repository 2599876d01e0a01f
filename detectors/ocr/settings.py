"""Every limit and knob of image reading, passed as an argument (the library reads no environment)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OcrSettings:
    """How one image is read; hashable, so an engine is built once per distinct setting."""

    engine: str = "rapidocr"  # the only engine shipped; bench/ocr_engines.py plugs tesseract in for comparison
    formats: tuple[str, ...] = ("PNG", "JPEG", "GIF", "WEBP", "BMP")  # Pillow decoders allowed to run
    max_bytes: int = 10_000_000  # a bigger file is refused before Pillow looks at it
    max_pixels: int = 25_000_000  # declared width × height; checked from the header, before decoding
    min_side: int = 24  # narrower or lower images (icons, spacers, tracking pixels) are skipped
    # Tall images (长图, a whole ad page as one picture) are read in overlapping slices this many
    # widths high, so small text keeps its size instead of being shrunk to the engine's max side.
    slice_ratio: float = 2.0
    max_slices: int = 12  # a longer image is read down to this many slices and marked as cut
    min_confidence: float = 0.5  # recognised lines below it are dropped
    max_lines: int = 300  # text boxes the detector may return per slice: bounds recognition time
    # The engine reads an image (or slice) scaled down to at most this many pixels a side: bounds
    # its memory and time per slice (rapidocr's own 2000: same accuracy on the posters, a little
    # more CPU, 0.85 vs 0.7 GB peak; 960 shrinks small print of big screenshots). docs/images-ocr.md
    max_side: int = 1280
    threads: int = 1  # onnxruntime and OpenCV threads of the engine (one per core: the crawl has the others)
