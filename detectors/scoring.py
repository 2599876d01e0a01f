"""The one place where evidence becomes a score; thresholds are settings, not constants in callers."""

from __future__ import annotations

import math
import os
from collections.abc import Iterable

from detectors.models import Finding

CONFIDENCE_WEIGHT = {"high": 0.9, "medium": 0.7, "low": 0.35}
DEFAULT_THRESHOLD = 0.5


def threshold() -> float:
    """Score at or above which a document is flagged (env TUTORWATCH_THRESHOLD)."""
    return float(os.environ.get("TUTORWATCH_THRESHOLD", DEFAULT_THRESHOLD))


def combine(findings: Iterable[Finding]) -> float:
    """Noisy-OR over the findings' confidences: independent evidence adds up, never past 1."""
    miss = math.prod(1.0 - CONFIDENCE_WEIGHT[f.confidence] for f in findings)
    return round(1.0 - miss, 4)
