"""Ad pictures in the crawl: which images of a page, fetching them through Scrapy, reading them once per store."""
