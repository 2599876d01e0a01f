"""Which leads an export holds, so a county bureau gets only its own."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True)
class Filters:
    region: str | None = None  # matched against city and district (岳阳楼区, 河源市 …)
    since: str | None = None  # ISO date: leads changed on or after it
    category: str | None = None
    min_score: float = 0.0

    def keeps(self, row: sqlite3.Row | dict) -> bool:
        if self.region and self.region not in (row["city"], row["district"]):
            return False
        if self.since and row["changed_at"] < self.since:
            return False
        if self.category and self.category not in row["categories"].split(";"):
            return False
        return float(row["score"]) >= self.min_score
