"""Retry waits: what Retry-After asks for (seconds or an HTTP date), else exponential back-off."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler.fetching.backoff import BACKOFF_BASE, retry_after

NOW = datetime(2026, 11, 22, 1, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "attempt", "wait"),
    [
        (b"7", 0, 7.0),
        (b"Sun, 22 Nov 2026 01:00:30 GMT", 0, 30.0),
        (b"Sun, 22 Nov 2026 00:59:00 GMT", 0, 0.0),  # a date in the past: retry now
        (None, 0, BACKOFF_BASE),
        (None, 2, BACKOFF_BASE * 4),
        (b"soon", 1, BACKOFF_BASE * 2),  # unreadable: back off as if absent
    ],
)
def test_retry_after(header: bytes | None, attempt: int, wait: float) -> None:
    assert retry_after(header, attempt, NOW) == pytest.approx(wait)
