"""Near-duplicate listings — one ad reposted on several sites or URLs with small edits — as one case.

The engine gives each listing a MinHash signature (detectors/signature.py: 64 permutations over
character bigrams of the de-obfuscated folded text). Candidates come from locality-sensitive
hashing (16 bands of 4 rows, indexed in the store: crawler/leads/groups.py); a pair whose
estimated Jaccard similarity is at least SIMILAR is one case, and a case is a connected group.
On the labelled corpus, 68% of re-post pairs (most of them reworded or obfuscated on purpose)
reach 0.3, and none of 20,000 random pairs does.
"""

from __future__ import annotations

from detectors.signature import PERMUTATIONS

SIMILAR = 0.3
BANDS = 16
__all__ = ["BANDS", "PERMUTATIONS", "SIMILAR"]
