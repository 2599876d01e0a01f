"""Actors: leads that share a phone, WeChat or QQ are one actor — one number behind twelve listings."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable


def actor_ids(leads: Iterable[tuple[str, str]]) -> dict[str, str]:
    """lead_id → actor_id from (lead_id, ';'-joined contact keys); leads without contacts get ''.

    Union-find over contact keys; the smaller root always wins a union, so a group's root is its
    smallest contact key and the actor's id (a hash of it) stays the same while that contact is seen.
    """
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    keys_of = {lead: [k for k in keys.split(";") if k] for lead, keys in leads}
    for keys in keys_of.values():
        for other in keys[1:]:
            a, b = root(keys[0]), root(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
    return {
        lead: "A" + hashlib.sha256(root(keys[0]).encode()).hexdigest()[:10] if keys else ""
        for lead, keys in keys_of.items()
    }
