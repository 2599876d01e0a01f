"""TutorWatch detectors: a pure library (no Scrapy, no database, no network, no environment reads)."""

from detectors.detector import Detector, Reading
from detectors.engine import DETECTORS, Engine, EngineConfig, default_engine
from detectors.models import Analysis, Document, Finding, Span, Stamp


def analyze(title: str, text: str, platform: str | None = None) -> Analysis:
    """The default engine on a title and body (spans index ``title + "\\n" + text``): for quick use and tests."""
    return default_engine().analyze(Document(title, text, platform))


__all__ = [
    "DETECTORS",
    "Analysis",
    "Detector",
    "Document",
    "Engine",
    "EngineConfig",
    "Finding",
    "Reading",
    "Span",
    "Stamp",
    "analyze",
    "default_engine",
]
