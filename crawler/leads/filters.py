"""Which leads an export holds, so a county bureau gets only its own: an SQL condition on the leads table."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Filters:
    region: str | None = None  # matched against city and district (岳阳楼区, 河源市 …)
    since: str | None = None  # ISO date: leads changed on or after it
    category: str | None = None
    min_score: float = 0.0

    def where(self) -> tuple[str, tuple]:
        """`` WHERE …`` over the leads table (or '' for every lead), and its parameters."""
        terms: list[str] = []
        params: list[object] = []
        if self.region:
            terms.append("(city = ? OR district = ?)")
            params += [self.region, self.region]
        if self.since:
            terms.append("changed_at >= ?")
            params.append(self.since)
        if self.category:
            terms.append("instr(';' || categories || ';', ?) > 0")
            params.append(f";{self.category};")
        if self.min_score:
            terms.append("score >= ?")
            params.append(self.min_score)
        return (" WHERE " + " AND ".join(terms) if terms else ""), tuple(params)
