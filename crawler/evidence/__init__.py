"""Pages kept as evidence: WARC records, their hashes, verification and extraction."""
