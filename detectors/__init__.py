"""TutorWatch detectors: a pure library (no Scrapy, no database, no network)."""

from detectors.analysis import analyze, analyze_document
from detectors.models import Analysis, Document, Finding, Span

__all__ = ["Analysis", "Document", "Finding", "Span", "analyze", "analyze_document"]
