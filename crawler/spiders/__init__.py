"""The spiders: one generic, config-driven site spider, and the one-off ``check`` spider."""
