"""What a test sees of a command's processes through /proc: its spawned children, and whether one still runs."""

from __future__ import annotations

import contextlib
import ctypes
import os
import time
from pathlib import Path


def children(pid: int) -> list[int]:
    """Process ids whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text() if entry.name.isdigit() else ""
        except OSError:
            continue
        if stat and int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def spawned_workers(pid: int) -> list[int]:
    """The processes multiprocessing started for ``pid``: spawned children (the workbook writer), its
    forkserver and the workers forked from it (detection, the big-page lane)."""
    found = []
    for child in children(pid):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in command:
            found.append(child)
        elif b"forkserver" in command:
            found += [child, *children(child)]
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the live processes ``pids`` have used so far (one that ended counts 0)."""
    total = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))
    return total / os.sysconf("SC_CLK_TCK")


def running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def all_ended(pids: list[int], seconds: float = 10) -> bool:
    """Whether every one of ``pids`` has ended within ``seconds``."""
    deadline = time.monotonic() + seconds
    while any(running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not any(running(pid) for pid in pids)


PR_SET_CHILD_SUBREAPER = 36  # linux/prctl.h


def adopt_orphans() -> None:
    """Make this process the subreaper of its descendants: a forkserver left behind by a command that
    exited (it outlives it by a moment) becomes this process's child, so its CPU time can be counted."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def reap_forkservers(patience: float = 10.0) -> None:
    """Wait for the forkservers this process adopted and their workers (adopted too if they outlived it):
    ``RUSAGE_CHILDREN`` then holds their CPU time. A child that has exited is reaped whatever it was;
    other live children (a server the caller started) are left running."""
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        left = [pid for pid in children(os.getpid()) if _ended_or_forked(pid)]
        if not left:
            return
        for pid in left:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


def _ended_or_forked(pid: int) -> bool:
    """Exiting or a zombie (its command line is gone already), or a process forked by a forkserver."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return not command or stat[stat.rindex(")") + 2] == "Z" or b"forkserver" in command


def private_kb_after_import(_engine: object, module: str) -> int:
    """A pool task: this process's private memory (kB) once ``module`` is imported here (what it did not share)."""
    import importlib

    importlib.import_module(module)
    rollup = Path("/proc/self/smaps_rollup").read_text().splitlines()[1:]
    kb = {line.split(":")[0]: int(line.split()[1]) for line in rollup}
    return kb["Private_Clean"] + kb["Private_Dirty"]
