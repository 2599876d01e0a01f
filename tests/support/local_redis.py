"""A throwaway redis-server on a free 127.0.0.1 port, nothing saved to disk: for tests and benchmarks."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import redis

from crawler.errors import TutorWatchError


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def local_redis(startup_seconds: float = 10.0) -> Iterator[str]:
    """Start ``redis-server`` (Debian package redis-server), yield its URL, stop it."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise TutorWatchError("redis-server is not installed (apt-get install -y redis-server)")
    port = free_port()
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + startup_seconds
        while True:
            try:
                redis.Redis.from_url(url).ping()
                break
            except redis.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise TutorWatchError(f"redis-server did not start on port {port}") from None
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
