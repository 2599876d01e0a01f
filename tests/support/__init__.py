"""Demo and test helpers, not shipped: the sample platforms, a fault site, a throwaway redis-server."""
