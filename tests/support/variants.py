"""Generated variants of a wording class: every combination of the slots' values."""

from __future__ import annotations

import itertools


def grid(template: str, **slots: list[str]) -> list[str]:
    """Every combination of the slots' values in the template."""
    keys = list(slots)
    return [template.format(**dict(zip(keys, combo, strict=True))) for combo in itertools.product(*slots.values())]
