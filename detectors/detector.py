"""The one interface every detector has, and the worksheet (Reading) each document's detectors fill in.

A detector is a small class: a ``name`` (what ``EngineConfig.detectors`` enables), ``build``
(made once per Engine from the engine's shared parts, or None when it cannot run, e.g. no model)
and ``detect`` (a batch of readings, in one call, so a detector can vectorise across documents).
Detectors run in the order of ``engine.DETECTORS``; a later one may read what earlier ones
wrote. See docs/engine.md for adding one.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from detectors.models import CONTENT_PARTS, Document, Finding, Institution, Prediction, Span
from detectors.normalize import Normalized

if TYPE_CHECKING:
    from detectors.claims import Claims
    from detectors.engine import Engine


@dataclass(eq=False)
class Reading:
    """One document folded once, and the evidence found in it so far."""

    doc: Document
    folded: Normalized  # the whole text (every part), folded and de-obfuscated, with its offset map
    findings: list[Finding] = field(default_factory=list)
    prediction: Prediction | None = None
    contacts: list[str] = field(default_factory=list)
    institutions: list[Institution] = field(default_factory=list)
    registry: str = ""
    signature: bytes = b""
    claims: Claims | None = None  # amounts, periods, lesson counts … (detectors/claims.py), parsed on demand
    case: float | None = None  # does it make the case it is flagged for (detectors/case_reading.py); None: not asked
    edges: list[int] | None = field(default=None, repr=False)  # doc.ranges' ends mapped already (Folder.fold_parts)

    @staticmethod
    def part_edges(doc: Document) -> list[int]:
        """What ``edges`` holds folded: each part's start and end in ``doc.text``, in ``doc.ranges``' order."""
        return [q for start, end in doc.ranges.values() for q in (start, end)]

    @cached_property
    def bounds(self) -> dict[str, tuple[int, int]]:
        """Each present part's [start, end) in the folded text."""
        names = list(self.doc.ranges)
        if self.edges is not None:
            edges = self.edges
            return {name: (edges[2 * i], edges[2 * i + 1]) for i, name in enumerate(names)}
        edges = np.searchsorted(self.folded.starts, [self.doc.ranges[n][k] for n in names for k in (0, 1)])
        return {name: (int(edges[2 * i]), int(edges[2 * i + 1])) for i, name in enumerate(names)}

    @cached_property
    def content(self) -> str:
        """The listing's own text (title, body, image text), folded: what rules, classifier and signature read."""
        return self.folded.text[: max(self.bounds[name][1] for name in CONTENT_PARTS if name in self.bounds)]

    def part(self, name: str) -> str:
        """The folded text of one part ('' when the document lacks it)."""
        start, end = self.bounds.get(name, (0, 0))
        return self.folded.text[start:end]

    def span(self, start: int, end: int) -> Span:
        """The original text behind a non-empty folded range."""
        first, last = self.folded.original_range(start, end)
        return Span(first, last, self.doc.text[first:last])


class Detector(ABC):
    """One kind of evidence. Subclass, give it a ``name``, and add the class to ``engine.DETECTORS``."""

    name: ClassVar[str]
    requires: ClassVar[tuple[str, ...]] = ()  # detectors that must run (before it) whenever this one runs

    @classmethod
    @abstractmethod
    def build(cls, engine: Engine) -> Detector | None:
        """This detector for an engine (its config, catalogue, model and scoring); None when it cannot run."""

    @abstractmethod
    def detect(self, readings: Sequence[Reading]) -> None:
        """Add this detector's evidence (findings, facts) to each reading of a batch."""
