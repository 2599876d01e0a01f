"""Site configs (YAML, validated by pydantic) and the Scrapy settings every crawl shares."""
