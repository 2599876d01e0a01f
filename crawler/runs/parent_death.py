"""Child processes that die with the process that started them, however it dies (Linux).

A crawl, an export or a scan killed with SIGKILL (a cron job's timeout, the kernel's OOM killer
outside systemd's cgroup) gets no chance to shut its worker pools down, and a worker blocked on
its task queue never notices: the detection workers of a killed crawl lived on, about 270 MB
each, one pair per killed night. A worker started with ``die_with_parent`` as its pool's
initializer asks the kernel to kill it when its parent goes.
"""

from __future__ import annotations

import ctypes
import os
import signal

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(parent: int) -> None:
    """In a freshly started child of ``parent``: be killed (SIGKILL) when the parent process ends.

    The kernel ties the signal to the thread that started the child: pools are started from the
    process's main thread (the reactor's, in a crawl), which lives as long as the process.
    """
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: a pool's own shutdown is all there is
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
