"""The licence registry (黑白名单): is the institution behind a listing licensed, and for what?

Loaded from data/registry/institutions.csv (format in its README). Only education institutions
are looked up (…教育, …学校, …培训, …学堂, …书院, …工作室); 家政 agencies and lone tutors are not.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from detectors.contacts import fold, institutions
from detectors.errors import ConfigError
from detectors.models import Analysis, Finding, Span
from detectors.normalize import normalize_term

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


@dataclass(frozen=True)
class Entry:
    name: str
    folded: str
    licence_no: str
    scope: str
    status: str
    blacklisted: bool


@lru_cache(maxsize=4)
def load_registry(path: Path = REGISTRY) -> tuple[Entry, ...]:
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


def lookup(name: str, registry: tuple[Entry, ...]) -> Entry | None:
    folded = normalize_term(name)
    return next((e for e in registry if e.folded in folded or folded in e.folded), None)


def registry_status(analysis: Analysis, publisher: str, title: str, path: Path = REGISTRY) -> tuple[str, str]:
    """(status, institution) for a listing; ('', '') when its publisher or title names no education institution.

    The body is not searched: it names third parties (the school a tutor teaches at) as often as
    the advertiser.
    """
    names = [n for n in institutions(fold(f"{publisher}\n{title}")) if n.endswith(EDUCATION)]
    if not names:
        return "", ""
    registry = load_registry(path)
    for name in names:
        entry = lookup(name, registry)
        if entry is None:
            continue
        if entry.blacklisted:
            return "blacklisted", name
        if entry.status != "valid":
            return "revoked", name
        if entry.scope == "non-subject" and SUBJECT_CATEGORIES & set(analysis.categories):
            return "scope mismatch", name
        return "licensed", name
    return "not found", names[0]


def with_registry(analysis: Analysis, status: str, name: str, full_text: str) -> Analysis:
    """A flagged analysis plus an `unlicensed` finding when the registry says the institution is not licensed."""
    if not analysis.flagged or status not in ("not found", "revoked", "blacklisted"):
        return analysis
    at = full_text.find(name)
    span = Span(at, at + len(name), name) if at >= 0 else Span(0, 0, "")
    finding = Finding(
        category="unlicensed",
        rule=f"registry/{status.replace(' ', '-')}",
        confidence="high",
        basis=("YY 四(一)",),
        span=span,
        spans=(span,),
        explanation=f"licence registry: {name} — {status}",
    )
    return replace(analysis, findings=(*analysis.findings, finding))
