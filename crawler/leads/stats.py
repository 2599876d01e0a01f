"""Verdicts turned into precision per rule and per category (confirmed / (confirmed + dismissed))."""

from __future__ import annotations

from collections import Counter

from crawler.leads.store import LeadStore


def verdict_stats(store: LeadStore) -> str:
    """Markdown tables, worst precision first, so the rules that waste analysts' time stand on top."""
    confirmed: Counter = Counter()
    dismissed: Counter = Counter()
    for row in store.read.reviewed():
        tally = confirmed if row["status"] == "confirmed" else dismissed
        tally.update(f"rule {r}" for r in row["rules"].split(";") if r)
        tally.update(f"category {c}" for c in row["categories"].split(";") if c)
    if not confirmed and not dismissed:
        return "no confirmed or dismissed leads yet: import a reviewed leads file with `tutorwatch review import`"
    keys = sorted(set(confirmed) | set(dismissed), key=lambda k: (confirmed[k] / (confirmed[k] + dismissed[k]), k))
    lines = ["| rule or category | confirmed | dismissed | precision |", "|---|---|---|---|"]
    for key in keys:
        kind, name = key.split(" ", 1)
        total = confirmed[key] + dismissed[key]
        lines.append(f"| {kind} `{name}` | {confirmed[key]} | {dismissed[key]} | {confirmed[key] / total:.2f} |")
    return "\n".join(lines)
