"""Scale-out on scrapy-redis: workers share one frontier and duplicate filter in Redis; one writer stores.

See README, "Scale-out over several machines": the writer (``crawl --redis``) seeds the start
URLs and is the only process that opens the SQLite store; workers (``worker --redis``) fetch,
extract and detect, and push each listing to Redis as JSON.
"""
