"""One crawl at a time per database: an flock on a lock file beside it.

The kernel drops an flock when its process dies, so a crawl killed with SIGKILL leaves no stale
lock behind; the pid and start time written into the file only make the refusal readable.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from crawler.errors import LockedError
from crawler.leads.store import now


def lock_path(db: Path) -> Path:
    """The lock file of a database: ``<db>.lock`` in the same directory."""
    return db.with_name(db.name + ".lock")


@contextmanager
def crawl_lock(db: Path) -> Iterator[Path]:
    """Hold the database's crawl lock for the block; raise LockedError at once if another process has it."""
    path = lock_path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another process"
            raise LockedError(f"another crawl is running on {db} ({holder}); lock file {path}") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, started {now()}\n".encode(), 0)
        yield path
    finally:
        os.close(fd)  # closing the descriptor releases the flock
