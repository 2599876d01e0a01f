"""Frozen value types that travel from the engine to the leads store, the exports and other tools."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

# The parts a document's text is made of, in order. Title and body are always there (joined by a
# line break); a further part is appended after a line break only when it is not empty. A new
# part is one more field below and one more name here. ``image_text`` (the lines read from the
# listing's pictures) comes first, so title, body and image text stay one stretch of text that
# rules, classifier and signature read together (一对一 on the page and 初中数学 in the poster meet).
EXTRA_PARTS: tuple[str, ...] = ("image_text", "publisher", "contact")
CONTENT_PARTS: tuple[str, ...] = ("title", "body", "image_text")  # what rules, classifier and signature read
Box = tuple[int, int, int, int]  # x0, y0, x1, y1: pixels of the image, upright as a browser shows it


@dataclass(frozen=True)
class ImageLine:
    """One recognised line of a picture: its [start, end) inside ``Document.image_text`` and its box."""

    start: int
    end: int
    box: Box


@dataclass(frozen=True)
class ImageRef:
    """One picture whose lines are in ``Document.image_text``: which picture, and where its lines are."""

    number: int  # 1-based, in the order of the listing's pictures ("图片 2")
    source: str  # the image URL, or the file given to ``scan``
    sha256: str  # of the image bytes, as fetched
    start: int  # [start, end) of its lines inside image_text
    end: int
    lines: tuple[ImageLine, ...] = ()


@dataclass(frozen=True)
class ImageOrigin:
    """Where in a picture a finding's characters were read: the leads file and explanation name it."""

    number: int
    source: str
    sha256: str
    box: Box  # the cover of the boxes of the lines the finding quotes
    text: str = ""  # the characters of the picture the finding quotes

    def describe(self) -> str:
        x0, y0, x1, y1 = self.box
        return f"图片 {self.number}（sha256 {self.sha256[:12]}），位置 ({x0},{y0})-({x1},{y1})"


@dataclass(frozen=True)
class Document:
    """What the engine analyses. Spans index ``text``: title + "\\n" + body, then "\\n" + part per non-empty part.

    So a listing without publisher or contact keeps the ``title + "\\n" + body`` offsets that
    ``scan``'s JSON contract promises, and a finding on the publisher still quotes real text.
    """

    title: str
    body: str
    platform: str | None = None
    publisher: str = ""
    contact: str = ""
    image_text: str = ""  # the lines read from the listing's pictures (detectors/image_part.py builds it)
    images: tuple[ImageRef, ...] = ()

    @cached_property
    def ranges(self) -> dict[str, tuple[int, int]]:
        """Each present part's [start, end) in ``text``."""
        ranges = {"title": (0, len(self.title))}
        at = len(self.title) + 1
        ranges["body"] = (at, at + len(self.body))
        at += len(self.body)
        for name in EXTRA_PARTS:
            value: str = getattr(self, name)
            if value:
                ranges[name] = (at + 1, at + 1 + len(value))
                at += 1 + len(value)
        return ranges

    @cached_property
    def text(self) -> str:
        extra = "".join(f"\n{getattr(self, name)}" for name in EXTRA_PARTS if getattr(self, name))
        return f"{self.title}\n{self.body}{extra}"


@dataclass(frozen=True)
class Span:
    """A stretch of the document's *original* text: ``document.text[start:end] == text``."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Finding:
    """One piece of evidence (a rule that fired, the registry's answer, the classifier's call) and its clauses."""

    category: str
    rule: str
    confidence: str
    basis: tuple[str, ...]
    span: Span  # the evidence in one piece: all spans' cover when short, else the first span
    spans: tuple[Span, ...]
    explanation: str
    image: ImageOrigin | None = None  # set when the evidence was read from a picture


@dataclass(frozen=True)
class Institution:
    """A name that looks like an institution or agency, where it stands, and in which part of the document."""

    name: str  # as folded (繁→简, evasions undone): what the registry is searched with
    span: Span
    part: str


@dataclass(frozen=True)
class Stamp:
    """What produced an analysis, so a verdict can be reproduced months later for a case file."""

    rules: str  # hash of the rule catalogue (rules, lexicons, obfuscation lists)
    registry: str  # hash of the licence registry file ("none" without one)
    model: str  # the model's name and file hash ("none": rules only)
    threshold: float  # the score at which a listing is flagged
    version: str  # TutorWatch's version

    def __str__(self) -> str:
        return (
            f"rules={self.rules} registry={self.registry} model={self.model} "
            f"threshold={self.threshold:.2f} version={self.version}"
        )

    @classmethod
    def parse(cls, text: str) -> Stamp | None:
        """The stamp ``str()`` wrote, or None for an empty or foreign string."""
        try:
            fields = dict(part.split("=", 1) for part in text.split())
            return cls(
                fields["rules"], fields["registry"], fields["model"], float(fields["threshold"]), fields["version"]
            )
        except (KeyError, ValueError):
            return None


@dataclass(frozen=True)
class Prediction:
    """The classifier's call on one text; ``terms`` (what raised the score) is worked out only when asked."""

    violation: float  # calibrated probability that the listing breaks a rule
    categories: dict[str, float]  # per-category probabilities (one-vs-rest)
    explain: object = field(default=None, compare=False, repr=False)  # () -> tuple[str, ...]

    @cached_property
    def terms(self) -> tuple[str, ...]:
        """Features of this text that pushed the violation score up most."""
        return self.explain() if callable(self.explain) else ()


@dataclass(frozen=True)
class Analysis:
    """The engine's verdict on one document, with everything the store keeps about who is behind it."""

    score: float
    flagged: bool
    findings: tuple[Finding, ...] = field(default_factory=tuple)
    model_score: float | None = None  # the classifier's violation probability, when a model is loaded
    # the case reading's probability that the listing offers what its high-confidence findings say
    # (detectors/case_reading.py): read only when it can change the verdict, None otherwise
    case_score: float | None = None
    contacts: tuple[str, ...] = ()  # normalised phone:/wechat:/qq: keys, evasions undone
    institutions: tuple[str, ...] = ()  # institution names (publisher first)
    registry: str = ""  # the licence registry on the institution named by publisher or title ('' if none)
    signature: bytes = b""  # MinHash of the listing's folded text, for near-duplicates
    stamp: Stamp | None = None

    @property
    def categories(self) -> list[str]:
        return sorted({f.category for f in self.findings})
