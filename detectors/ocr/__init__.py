"""Text in ad images: hostile image bytes in, recognised lines (text, confidence, box) out.

A pure library like the rest of ``detectors``: no network, no files but the model inside the
installed wheel, every limit an argument (``OcrSettings``). Crawling images, caching by hash and
joining the text to a Document belong to the callers.
"""

from detectors.ocr.reading import read_image_text
from detectors.ocr.results import ImageText, Problem, TextLine
from detectors.ocr.settings import OcrSettings

__all__ = ["ImageText", "OcrSettings", "Problem", "TextLine", "read_image_text"]
