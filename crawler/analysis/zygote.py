"""One process builds the engine; the workers are forked from it and share its pages.

Spawned, every detection worker built its own engine: about 90 MB of tables (lexicons and their
automata, the classifier), 100 MB of imports and, at the first homophone candidate, jieba's dictionary (about
150 MB), per worker, for the whole night.
A multiprocessing forkserver is a process that imports its ``preload`` modules once and then forks
every worker asked of it; importing this module there builds the engine of the config it was
started for, so the workers (detection and the big-page lane, crawler/pipelines/detect.py) begin
with the engine already built and share its pages copy-on-write. ``gc.freeze()`` before the forks
keeps the cyclic collector from writing to those pages in every worker. The process that asks for
workers (the crawl, ``scan``) runs threads and never forks itself: only the forkserver does, and it
runs no thread.

A forked worker also runs the caller's script again as ``__mp_main__`` unless the forkserver has
run it (multiprocessing's own ``"__main__"`` preload does nothing on Python 3.11: the forkserver
looks for a ``main_path`` that the preparation data calls ``init_main_from_path``), so the
forkserver runs it once, before it builds the engine.

The forkserver is one per process: it is started for the first config asked for. A pool whose
config is another builds its engine in each worker, as a spawned one did (the same answers, no sharing).
"""

from __future__ import annotations

import base64
import gc
import os
import pickle
import threading
import warnings
from multiprocessing import get_context, spawn
from multiprocessing.context import BaseContext

from crawler.runs.parent_death import die_with_parent
from detectors.engine import Engine, EngineConfig
from detectors.errors import DetectorError
from detectors.segmenter import jieba_loaded

CONFIG_VARIABLE = "TUTORWATCH_FORKSERVER_ENGINE"  # set only while the forkserver starts: its engine's config
MAIN_VARIABLE = "TUTORWATCH_FORKSERVER_MAIN"  # … and the script that started the caller (its __main__)
_starting = threading.Lock()
built: tuple[EngineConfig, Engine | DetectorError] | None = None  # in the forkserver and its forks
server_pid = 0  # the forkserver's pid, seen by its forks (their parent)


def forked_context(config: EngineConfig, preload: tuple[str, ...] = ()) -> BaseContext:
    """The forkserver context, its server started (for ``config`` if it was not running yet).

    ``preload``: modules the workers will import (a crawl's page reading: Scrapy, Twisted, lxml,
    warcio), imported once in the forkserver before the engine is built and frozen, so that the
    workers share them instead of each importing its own copy (about 32 MB a worker)."""
    context = get_context("forkserver")
    from multiprocessing import forkserver

    with _starting:
        os.environ[CONFIG_VARIABLE] = base64.b64encode(pickle.dumps(config)).decode()
        os.environ[MAIN_VARIABLE] = spawn.get_preparation_data("ignore").get("init_main_from_path", "")
        try:
            context.set_forkserver_preload([*preload, __name__])
            forkserver.ensure_running()
        finally:
            del os.environ[CONFIG_VARIABLE], os.environ[MAIN_VARIABLE]
    return context


def engine_for(config: EngineConfig) -> Engine | DetectorError | None:
    """The engine the forkserver built for ``config`` (or why it could not), None when it built another."""
    return built[1] if built is not None and built[0] == config else None


def _build_here() -> None:
    """In the forkserver, at its preload: build the engine of the config it was started for, then freeze."""
    global built, server_pid
    encoded = os.environ.pop(CONFIG_VARIABLE, "")  # not handed down to what a worker may start
    main_path = os.environ.pop(MAIN_VARIABLE, "")
    if not encoded:
        return
    if main_path:  # every worker would run the caller's script again (as __mp_main__) when it starts: once, here
        spawn.import_main_path(main_path)
    die_with_parent(os.getppid())  # a killed crawl leaves no forkserver (and so no worker) behind
    server_pid = os.getpid()
    config = pickle.loads(base64.b64decode(encoded))
    try:
        built = (config, Engine(config))
        with warnings.catch_warnings():  # jieba imports pkg_resources, which frets over a namespace package
            warnings.filterwarnings("ignore", "Module .* was already imported", UserWarning)
            jieba_loaded()  # loaded by each worker at its first homophone candidate (~150 MB each): once, here
    except DetectorError as exc:  # the workers raise it on their first task
        built = (config, exc)
    gc.collect()
    gc.freeze()


_build_here()
