"""TutorWatch detectors: a pure library (no Scrapy, no database, no network, no environment reads).

The package's names are loaded when first asked for (PEP 562): importing one of its small modules
(errors, models, clean_text) does not build up the engine's imports (numpy, scikit-learn, the rule
catalogue's pydantic models), so a process that only hands work to engine workers (``scan --jobs``)
starts them before it has imported the engine itself.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from detectors.detector import Detector, Reading
    from detectors.engine import DETECTORS, Engine, EngineConfig, default_engine
    from detectors.models import Analysis, Document, Finding, Span, Stamp

_HOMES = {
    "Detector": "detectors.detector",
    "Reading": "detectors.detector",
    "DETECTORS": "detectors.engine",
    "Engine": "detectors.engine",
    "EngineConfig": "detectors.engine",
    "default_engine": "detectors.engine",
    "Analysis": "detectors.models",
    "Document": "detectors.models",
    "Finding": "detectors.models",
    "Span": "detectors.models",
    "Stamp": "detectors.models",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'detectors' has no attribute {name!r}")
    return getattr(import_module(home), name)


def analyze(title: str, text: str, platform: str | None = None) -> Analysis:
    """The default engine on a title and body (spans index ``title + "\\n" + text``): for quick use and tests."""
    from detectors.engine import default_engine
    from detectors.models import Document

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
