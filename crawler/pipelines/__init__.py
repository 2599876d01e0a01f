"""Item pipelines, one job each: validate → detect → store."""
