"""The ``tutorwatch`` console script's entry point: nothing imported until it is called.

Worker processes are spawned, not forked (the crawl runs threads), and a spawned child first
imports the script that started its parent (multiprocessing's ``__mp_main__``). When that script
imported the CLI at its top, every detection worker loaded Scrapy, Twisted, openpyxl, the
reporting and the browser glue it never uses (about 45 MB and 0.6 s per worker); with this
module the script imports nothing, and the worker only what its task needs.
"""

from __future__ import annotations


def main() -> None:
    from crawler.cli import cli

    cli()
