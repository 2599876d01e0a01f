"""Handing freed memory back to the system after a big page (glibc on Linux).

A 9 MB page's lxml tree is millions of small allocations. Freed, they stay in glibc's heap:
a detection worker that had read a list page of 240,000 links kept 386 MB instead of 133 MB,
one that had read a page of a million elements 721 MB instead of 134 MB, for the rest of the
night. ``malloc_trim`` returns the free pages at the cost of a few milliseconds.

Big blocks (a 10 MB body, its pickle, its decoded text) are another matter. glibc maps a block
over its mmap threshold on its own and unmaps it when freed, but by default it then raises the
threshold to the size of that block (up to 32 MB), so the next body of a few MB is carved from
the heap (or a thread's arena) instead, and a heap whose top is in use cannot shrink: the crawl
process and the big-page lane kept the high-water mark of the big pages they had seen.
``keep_big_blocks_mapped`` fixes the threshold (which also fixes the trim threshold at its
default), so every big block is unmapped when freed, and caps the arenas of the threads.
"""

from __future__ import annotations

import contextlib
import ctypes

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameters (malloc.h)
M_ARENA_MAX = -8
BIG_BLOCK = 256 * 1024  # bytes: blocks from this size up are mapped on their own, and unmapped when freed
ARENAS = 2  # the crawl's threads (reactor, pool feeders, the store's) share at most two heaps


def give_back_freed_memory() -> None:
    """Return the heap's free pages to the system (nothing where glibc's malloc_trim is missing)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)


def keep_big_blocks_mapped() -> None:
    """Map every block of BIG_BLOCK or more on its own, for the life of the process and of its forks, and
    cap the threads' arenas (nothing where glibc's mallopt is missing)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None)
        libc.mallopt(M_MMAP_THRESHOLD, BIG_BLOCK)
        libc.mallopt(M_ARENA_MAX, ARENAS)
