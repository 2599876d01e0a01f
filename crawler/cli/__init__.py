"""The ``tutorwatch`` command: the group and its global options in main.py, one module per family of commands."""

from crawler.cli import analysing, crawling, leads, sites  # noqa: F401  (registers the commands on the group)
from crawler.cli.main import cli

__all__ = ["cli"]
