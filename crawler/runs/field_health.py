"""Fields that came out empty: per site and optional field, how many of tonight's listings lacked it,
against the share on its earlier nights. A field empty on every listing tonight that was usually
there is a selector that stopped matching (the site changed its markup): flagged for the morning."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass

from crawler.leads.store import LeadStore
from crawler.runs.health import HISTORY

BROKEN_USUAL = 0.5  # a field missing on at most this share of listings on earlier nights, and on all tonight


@dataclass(frozen=True)
class FieldGap:
    site: str
    field: str
    missing: int
    listings: int
    usual: float | None  # the median share missing on the site's earlier runs (None: no earlier run)
    broken: bool  # empty on every listing tonight, usually present

    @property
    def share(self) -> float:
        return self.missing / self.listings if self.listings else 0.0

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "share": round(self.share, 3)}

    @property
    def problem(self) -> str:
        usual = f"usually {self.usual:.0%}" if self.usual is not None else "first night"
        return (
            f"field '{self.field}' empty on {self.missing} of {self.listings} listings ({usual}): selector out of date?"
        )


def field_gaps(store: LeadStore, run_id: int) -> list[FieldGap]:
    """Every counted field of a run, with its usual share from the site's last HISTORY runs of the same kind."""
    gaps = []
    for row in store.missing_fields(run_id):
        earlier = store.field_history(row["site"], row["field"], run_id, HISTORY)
        shares = [missing / listings for missing, listings in earlier if listings]
        usual = statistics.median(shares) if shares else None
        broken = (
            row["listings"] > 0 and row["missing"] == row["listings"] and usual is not None and usual <= BROKEN_USUAL
        )
        gaps.append(FieldGap(row["site"], row["field"], row["missing"], row["listings"], usual, broken))
    return gaps
