"""The engine in worker processes, so the process that reads input or runs the crawl keeps its own core.

Workers are forked from one process that has built the Engine for the EngineConfig the caller was
given (crawler/analysis/zygote.py), so they share its pages instead of each building its own; the
crawl process itself runs threads and never forks. A task is a module-level function of
(engine, batch); its result comes back pickled. A broken rule file or model shows up as the
engine's own ConfigError on the first result, not as a dead pool.
"""

from __future__ import annotations

import gc
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

from crawler.analysis import zygote
from crawler.images.reading import ImageAnalysis, ImageJob, analyze_work
from crawler.runs.heap import give_back_freed_memory, keep_big_blocks_mapped
from crawler.runs.parent_death import die_with_parent
from detectors.engine import Engine, EngineConfig
from detectors.errors import DetectorError
from detectors.models import Analysis, Document

T = TypeVar("T")
Task = Callable[[Engine, T], Any]
_engine: Engine | DetectorError | None = None  # this worker's engine, or why it could not be built


def _start(config: EngineConfig, idle: bool, pages: bool) -> None:
    global _engine
    die_with_parent(zygote.server_pid or os.getppid())  # its parent, the forkserver, dies with the crawl or scan
    if idle:  # the big-page lane: runs only on CPU no other process wants, and gives it up the moment one wakes
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    if pages:  # a page's body and tree unmapped when freed (crawler/runs/heap.py); not for scan's text batches,
        keep_big_blocks_mapped()  # whose arrays would be mapped and unmapped each time: 10-15% more CPU a line
    _engine = zygote.engine_for(config)
    if _engine is None:  # the forkserver was started for another config: this worker builds its own
        try:
            _engine = Engine(config)
        except DetectorError as exc:
            _engine = exc
        gc.freeze()  # the engine's tables live as long as the worker: the cyclic collector need not walk them


def _run(task: Task, batch: Any) -> Any:
    if isinstance(_engine, DetectorError):
        raise _engine
    assert _engine is not None
    return task(_engine, batch)


def analyze_batch(engine: Engine, docs: list[Document | ImageJob]) -> list[Analysis | ImageAnalysis]:
    """Analyses in order; a listing with pictures has them read here first (OCR runs where detection runs)."""
    return analyze_work(engine, docs)


def call(engine: Engine, job: tuple[Callable[..., Any], tuple[Any, ...]]) -> Any:
    """A task that needs no engine: ``function(*args)`` in a worker (a big page read off the crawl's event loop),
    the memory it freed then handed back (crawler/runs/heap.py)."""
    function, args = job
    try:
        return function(*args)
    finally:
        give_back_freed_memory()


def _ready(engine: Engine, _: object) -> str:
    return engine.stamp.rules


class EnginePool:
    """``workers`` processes sharing one built engine; ``map`` keeps the order, ``submit`` runs one task.

    ``idle``: the workers run under Linux's SCHED_IDLE policy (the crawl's big-page lane): the scheduler
    gives them a core only when nothing else of any priority is ready, and a process that wakes (the
    crawl's event loop, a detection worker) takes the core back at once. At nice +10, the lane kept a
    tenth of a contested core and a waking event loop waited for the lane's time slice to end.

    ``pages``: the workers read crawled pages (the crawl's workers and its lane), so their big blocks are
    unmapped when freed (crawler/runs/heap.py); `scan`'s workers, which take batches of text, keep glibc's
    adaptive threshold."""

    def __init__(
        self, config: EngineConfig, workers: int, idle: bool = False, preload: tuple[str, ...] = (), pages: bool = False
    ) -> None:
        self.config = config
        self.workers = workers
        self.idle = idle
        self._executor = ProcessPoolExecutor(
            workers,
            mp_context=zygote.forked_context(config, preload),
            initializer=_start,
            initargs=(config, idle, pages),
        )

    def warm(self) -> None:
        """Start every worker and wait until each has built its engine (a crawl waits here, before any fetch)."""
        for started in [self.submit(_ready, None) for _ in range(self.workers)]:
            started.result()

    def submit(self, task: Task, batch: Any) -> Future:
        return self._executor.submit(_run, task, batch)

    def map(self, task: Task, batches: Iterable[Any]) -> Iterator[Any]:
        """Results in the order of ``batches``, with at most two batches per worker in flight (input is read lazily)."""
        pending: deque[Future] = deque()
        for batch in batches:
            pending.append(self.submit(task, batch))
            if len(pending) >= 2 * self.workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def abandon(self) -> None:
        """Stop a pool one of whose workers died, without waiting on it: its other workers are killed.

        A worker killed while it held the result queue's lock leaves the others blocked for ever on
        that lock, and a shutdown that waits for them would stop the crawl's event loop with it.
        """
        processes = getattr(self._executor, "_processes", None) or {}  # ProcessPoolExecutor has no public list
        for process in list(processes.values()):
            process.kill()
        self._executor.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> EnginePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Tasks:
    """Tasks run in this process (workers ≤ 1) or in a pool of worker processes, with one interface."""

    def __init__(self, config: EngineConfig, workers: int) -> None:
        self.pool = EnginePool(config, workers) if workers > 1 else None
        self.engine = Engine.shared(config) if self.pool is None else None

    def map(self, task: Task, batches: Iterable[Any]) -> Iterator[Any]:
        """``task`` over every batch, results in order."""
        if self.pool is not None:
            return self.pool.map(task, batches)
        engine = self.engine
        return (task(engine, batch) for batch in batches)  # type: ignore[arg-type]

    def run(self, task: Task, batch: Any) -> Any:
        """``task`` over one batch, waiting for its result."""
        return self.pool.submit(task, batch).result() if self.pool is not None else task(self.engine, batch)  # type: ignore[arg-type]

    def __enter__(self) -> Tasks:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.close()


def run_tasks(config: EngineConfig, workers: int, task: Task, batches: Iterable[Any]) -> Iterator[Any]:
    """``task`` over every batch, in order: in this process (workers ≤ 1) or in a pool of worker processes."""
    with Tasks(config, workers) as tasks:
        yield from tasks.map(task, batches)
