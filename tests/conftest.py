"""Shared fixtures: the sample platforms on free 127.0.0.1 ports, and the CLI run in a subprocess.

The Twisted reactor cannot restart inside one process, so every crawl in the tests is a real
``tutorwatch`` process against real local HTTP servers.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from crawler.config.site_config import SITES_DIR
from tests.support.modern_sites import MODERN_KINDS
from tests.support.sample_server import SITE_KINDS, load_listings, serve_samples

MODERN_SITES_DIR = Path(__file__).parent / "support" / "sites"

TUTORWATCH = str(Path(sys.executable).parent / "tutorwatch")

# Property tests: "ci" (the default) is what `make test` runs; "long" is the documented longer fuzz run,
# HYPOTHESIS_PROFILE=long .venv/bin/python -m pytest tests/ -k fuzz
settings.register_profile("ci", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# The longest modules first. `make test` runs each module whole on one of two workers
# (--dist loadscope) in collection order (--no-loadscope-reorder; xdist's own order, most tests
# first, put the long one-test modules last and left a worker idle at the end). Ranked by their
# total time in `pytest --durations=80` (2026-12-07); the order only schedules, it decides nothing.
LONGEST_FIRST = (
    "test_modern_sites",
    "test_bench",
    "test_bench_hostile",
    "test_crash",
    "test_images_revisit",
    "test_scaleout_images",
    "test_same_verdict",
    "test_images_crawl",
    "test_hostile_site",
    "test_review",
    "test_crawl",
    "test_hostile_files",
    "test_render",
    "test_night_report",
    "test_lock",
    "test_scaleout",
    "test_scan",
    "test_hostile_content",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.stem, len(rank)))  # stable: each module keeps its own order


@dataclass(frozen=True)
class Samples:
    sites_dir: Path
    ports: dict[str, int]
    hits: Counter[tuple[str, str]] = field(default_factory=Counter)  # requests by (site id, path with query)

    def base(self, site_id: str) -> str:
        return f"http://127.0.0.1:{self.ports[site_id]}"


@dataclass(frozen=True)
class Workspace:
    """Where one test's CLI runs keep their database and reports."""

    root: Path
    samples: Samples

    @property
    def db(self) -> Path:
        return self.root / "leads.db"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    def command(self, *args: str, sites_dir: Path | None = None) -> list[str]:
        return [
            TUTORWATCH,
            "--db",
            str(self.db),
            "--reports-dir",
            str(self.reports),
            "--sites-dir",
            str(sites_dir or self.samples.sites_dir),
            *args,
        ]

    def run(
        self, *args: str, stdin: str | None = None, sites_dir: Path | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess:
        environ = {**os.environ, **(env or {})}
        cmd = self.command(*args, sites_dir=sites_dir)
        return subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=300, env=environ)


def tutorwatch(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([TUTORWATCH, *args], input=stdin, capture_output=True, text=True, timeout=300)


def write_sample_configs(ports: dict[str, int], sites_dir: Path, source: Path = SITES_DIR) -> None:
    """Copies of the sample sites' configs (from ``source``) in ``sites_dir``, pointing at the given ports."""
    for site_id, port in ports.items():
        text = (source / f"{site_id}.yaml").read_text(encoding="utf-8")
        (sites_dir / f"{site_id}.yaml").write_text(
            re.sub(r"127\.0\.0\.1:\d+", f"127.0.0.1:{port}", text), encoding="utf-8"
        )


@pytest.fixture(scope="session")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Samples]:
    """The four sample sites on free ports, with copies of their configs pointing there."""
    sites_dir = tmp_path_factory.mktemp("sites")
    hits: Counter[tuple[str, str]] = Counter()
    with serve_samples(dict.fromkeys(SITE_KINDS, 0), hits=hits) as ports:
        write_sample_configs(ports, sites_dir)
        yield Samples(sites_dir, ports, hits)


@pytest.fixture
def workspace(tmp_path: Path, samples: Samples) -> Workspace:
    return Workspace(tmp_path, samples)


@pytest.fixture(scope="module")
def modern(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Samples]:
    """The sample sites built as today's sites are (tests/support/modern_sites.py) on free ports,
    with copies of their configs (tests/support/sites/) pointing there."""
    sites_dir = tmp_path_factory.mktemp("modern-sites")
    hits: Counter[tuple[str, str]] = Counter()
    with serve_samples(dict.fromkeys(MODERN_KINDS, 0), hits=hits, kinds=MODERN_KINDS) as ports:
        write_sample_configs(ports, sites_dir, MODERN_SITES_DIR)
        yield Samples(sites_dir, ports, hits)


@pytest.fixture(scope="session")
def sample_listings() -> dict[str, dict]:
    """Every sample listing by id, with its site."""
    return {item["id"]: {**item, "site": site} for site in SITE_KINDS for item in load_listings(site)}


def read_jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]
