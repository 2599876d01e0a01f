"""Frozen value types that travel from the detectors to the leads store and the exports."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Document:
    """What is analysed: the title and body joined as ``title + "\\n" + text``."""

    title: str
    text: str
    platform: str | None = None

    @property
    def full_text(self) -> str:
        return f"{self.title}\n{self.text}"


@dataclass(frozen=True)
class Span:
    """A stretch of the *original* full text: ``full_text[start:end] == text``."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Finding:
    """One rule that fired, with the evidence spans and the policy clauses it rests on."""

    category: str
    rule: str
    confidence: str
    basis: tuple[str, ...]
    span: Span  # the evidence in one piece: all spans' cover when short, else the first span
    spans: tuple[Span, ...]
    explanation: str


@dataclass(frozen=True)
class Analysis:
    """The detectors' verdict on one document."""

    score: float
    flagged: bool
    findings: tuple[Finding, ...] = field(default_factory=tuple)
    model_score: float | None = None  # the classifier's violation probability, when a model is loaded
    # The folded, de-obfuscated text the verdict was read from: the store takes contacts and the
    # MinHash from it instead of folding the page a second time.
    folded: str = field(default="", compare=False, repr=False)

    @property
    def categories(self) -> list[str]:
        return sorted({f.category for f in self.findings})
