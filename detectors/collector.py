"""The cyclic garbage collector held off while a batch is analysed, run once after it instead.

A batch allocates tens of thousands of small containers (term hits, spans, findings); every 700 of
them CPython starts a collection, and the older generations it then walks include everything the
caller keeps alive (the analyses already returned, the documents still to come). Measured on the
bundled corpus, that walking cost more than the rules themselves (bench/rule_pass.py). Nothing a
batch builds needs the collector to be freed (no reference cycles: plain dataclasses, lists and
tuples), so it is paused for the batch and whatever cycles there are are found at the next collection.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the cyclic collector off, unless someone else already turned it off."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
