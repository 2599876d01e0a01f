"""Handing freed memory back to the system after a big page (glibc on Linux).

A 9 MB page's lxml tree is millions of small allocations. Freed, they stay in glibc's heap:
a detection worker that had read a list page of 240,000 links kept 386 MB instead of 133 MB,
one that had read a page of a million elements 721 MB instead of 134 MB, for the rest of the
night. ``malloc_trim`` returns the free pages at the cost of a few milliseconds.
"""

from __future__ import annotations

import contextlib
import ctypes


def give_back_freed_memory() -> None:
    """Return the heap's free pages to the system (nothing where glibc's malloc_trim is missing)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)
