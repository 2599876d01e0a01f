"""A night's picture counts per site (read, cached, skipped, failed), for the morning report."""

from __future__ import annotations

import sqlite3

from crawler.images.stage import OUTCOMES


def image_counts(conn: sqlite3.Connection, run_id: int) -> list[dict]:
    """One row per site that read pictures in the run, with each outcome's count."""
    sites: dict[str, dict] = {}
    for site, outcome, images in conn.execute(
        "SELECT site, outcome, images FROM run_images WHERE run_id = ? ORDER BY site", (run_id,)
    ):
        sites.setdefault(site, {"site": site, **dict.fromkeys(OUTCOMES, 0)})[outcome] = images
    return list(sites.values())
