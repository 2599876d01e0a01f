"""One run of a crawl: the process, its record, the lock, health judgement, faults, progress."""
