"""Which split a labelled listing belongs to: fixed by a hash, so nobody can move a listing by hand.

Two corpora, split differently:

- the team-written batches (data/labels/*.jsonl) by ``family``: re-posts and obfuscated twins
  together; 50% train, 20% dev, 10% tune, 20% test;
- the real-world listings (data/labels/real/*.jsonl) by the **article** they were quoted from:
  their ``source`` address, with the addresses of data/labels/real/same-article.txt (mirrors of
  one article, one ad quoted by two pages) counted as one; 35% train, 10% dev, 15% tune and a
  frozen 40% test that no rule writer reads and no training or tuning code loads.

Listings from one article stay together so that a rule written from one quote is never scored
on its sibling.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

LABELS_DIR = Path(__file__).resolve().parent.parent / "data" / "labels"
REAL_DIR = LABELS_DIR / "real"
SAME_ARTICLE = REAL_DIR / "same-article.txt"
SAMPLE_PREFIX = "sample-"  # families of the sample sites' listings: read while rules were written, so train only
TEAM_SPLITS = ("train",) * 5 + ("dev",) * 2 + ("tune",) + ("test",) * 2  # by tenths of the families
REAL_SPLITS = ("test",) * 8 + ("train",) * 7 + ("dev",) * 2 + ("tune",) * 3  # by twentieths of the articles
READABLE = ("train", "dev", "tune")  # "test" is the held-out (for the real corpus: frozen) part
FROZEN = "test"


def _bucket(key: str, buckets: int) -> int:
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % buckets


def split_of(family: str) -> str:
    """A team-written listing's split: 'train' (50%), 'dev' (20%), 'tune' (10%) or 'test' (20%), by family.

    Rule writers read train and dev; the classifier is fitted on train; how rules and classifier
    combine is tuned on 'tune', which no one reads listing by listing; 'test' is reported in
    aggregate only.
    """
    if family.startswith(SAMPLE_PREFIX):
        return "train"
    return TEAM_SPLITS[_bucket(family, 10)]


@lru_cache(maxsize=4)
def article_groups(path: Path = SAME_ARTICLE) -> dict[str, str]:
    """Each address listed in same-article.txt → the group's key (its smallest address)."""
    if not path.exists():
        return {}
    groups: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        addresses = line.split("#", 1)[0].split() if not line.lstrip().startswith("#") else []
        for address in addresses:
            groups[address] = min(addresses)
    return groups


def article_of(source: str) -> str:
    """The article a real-world listing was quoted from: its address, or its group's key."""
    return article_groups().get(source, source)


def real_split_of(source: str) -> str:
    """A real-world listing's split, by a hash of its article: 'test' (40%, frozen), 'train', 'dev', 'tune'."""
    return REAL_SPLITS[_bucket("real-source:" + article_of(source), 20)]
