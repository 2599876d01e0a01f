"""The licence registry (黑白名单): is the institution behind a listing licensed, and for what?

Loaded from data/registry/institutions.csv (format in its README). Only education institutions
are looked up (…教育, …学校, …培训, …学堂, …书院, …工作室); 家政 agencies and lone tutors are not.
The body is not searched: it names third parties (the school a tutor teaches at) as often as
the advertiser, so only the publisher and the title are.

The registry corroborates: an institution it does not license adds an ``unlicensed`` finding
only to a listing the other detectors' evidence already flags (an unknown art school
advertising drawing classes is no lead), and then the finding counts in the score like any other.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from detectors.contacts import named_institutions
from detectors.detector import Detector, Reading
from detectors.errors import ConfigError
from detectors.models import Finding
from detectors.normalize import normalize_term
from detectors.scoring import Scoring

if TYPE_CHECKING:
    from detectors.engine import Engine

REGISTRY = Path(__file__).resolve().parent.parent / "data" / "registry" / "institutions.csv"
EDUCATION = ("教育", "学校", "培训", "学堂", "书院", "工作室", "学院")
SUBJECT_CATEGORIES = frozenset(
    {
        "one_on_one",
        "crowdfunded_tutor",
        "preschool",
        "holiday_training",
        "disguised_subject",
        "online_subject",
        "in_service_teacher",
        "competition",
        "tutor_recruitment",
        "home_tutor",
    }
)
COLUMNS = ("name", "licence_no", "scope", "status", "blacklisted")
UNLICENSED = ("not found", "revoked", "blacklisted")  # the answers that make an `unlicensed` finding
LOOKED_UP = ("publisher", "title")


@dataclass(frozen=True)
class Entry:
    name: str
    folded: str
    licence_no: str
    scope: str
    status: str
    blacklisted: bool


def load_registry(path: Path) -> tuple[Entry, ...]:
    """The registry's entries; none when the file does not exist."""
    if not path.exists():
        return ()
    try:
        rows = list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    if rows and not set(COLUMNS) <= set(rows[0]):
        raise ConfigError(f"{path}: header must have {', '.join(COLUMNS)}")
    entries = []
    for number, row in enumerate(rows, start=2):
        if row["scope"] not in ("subject", "non-subject", "school") or row["blacklisted"] not in ("yes", "no"):
            raise ConfigError(f"{path}:{number}: scope must be subject/non-subject/school and blacklisted yes/no")
        entries.append(
            Entry(
                row["name"],
                normalize_term(row["name"]),
                row["licence_no"],
                row["scope"],
                row["status"],
                row["blacklisted"] == "yes",
            )
        )
    return tuple(entries)


def registry_hash(path: Path) -> str:
    """The registry file's identity for an analysis' stamp ('none' without a file)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path.exists() else "none"


def lookup(name: str, registry: tuple[Entry, ...]) -> Entry | None:
    folded = normalize_term(name)
    return next((e for e in registry if e.folded in folded or folded in e.folded), None)


def registry_status(names: Sequence[str], categories: set[str], registry: tuple[Entry, ...]) -> tuple[str, str]:
    """(status, institution) for a listing's education institution names; ('', '') when there are none."""
    if not names:
        return "", ""
    for name in names:
        entry = lookup(name, registry)
        if entry is None:
            continue
        if entry.blacklisted:
            return "blacklisted", name
        if entry.status != "valid":
            return "revoked", name
        if entry.scope == "non-subject" and SUBJECT_CATEGORIES & categories:
            return "scope mismatch", name
        return "licensed", name
    return "not found", names[0]


class RegistryDetector(Detector):
    """The registry's answer on the institution a listing names as publisher or in its title."""

    name = "registry"

    def __init__(self, registry: tuple[Entry, ...], scoring: Scoring) -> None:
        self.registry = registry
        self.scoring = scoring

    @classmethod
    def build(cls, engine: Engine) -> RegistryDetector:
        return cls(load_registry(engine.config.registry), engine.scoring)

    def detect(self, readings: Sequence[Reading]) -> None:
        for reading in readings:
            named = [i for i in named_institutions(reading, LOOKED_UP) if i.name.endswith(EDUCATION)]
            if not named:
                continue
            so_far = self.scoring.judge(reading)
            categories = {f.category for f in (*reading.findings, *so_far.model_findings)}
            status, name = registry_status([i.name for i in named], categories, self.registry)
            reading.registry = status
            if so_far.flagged and status in UNLICENSED:
                where = next(i.span for i in named if i.name == name)
                reading.findings.append(
                    Finding(
                        category="unlicensed",
                        rule=f"registry/{status.replace(' ', '-')}",
                        confidence="high",
                        basis=("YY 四(一)",),
                        span=where,
                        spans=(where,),
                        explanation=f"licence registry: {name} — {status}",
                    )
                )
