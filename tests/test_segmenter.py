"""jieba's dictionary through our whole-file cache read: built on a fresh machine, then read back the same."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROBE = (
    "from detectors.segmenter import jieba_loaded; import json; j = jieba_loaded();"
    "print(json.dumps([j.dt.total, len(j.dt.FREQ), j.dt.FREQ.get('数学', 0), j.lcut('初中数学一对一辅导', HMM=False)]))"
)


def load_in(tmp: Path) -> list:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env={**os.environ, "TMPDIR": str(tmp)}, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_cache_written_on_a_fresh_machine_reads_back_identically(tmp_path: Path) -> None:
    built = load_in(tmp_path)  # no cache yet: jieba builds the dictionary and writes it
    assert (tmp_path / "jieba.cache").stat().st_size > 1_000_000
    cached = load_in(tmp_path)  # read back through segmenter's marshal
    assert cached == built
    total, words, maths, tokens = cached
    assert words > 300_000 and total > 10**7 and maths > 0
    assert tokens == ["初中", "数学", "一对一", "辅导"]
