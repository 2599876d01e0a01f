"""The ``tutorwatch`` console script's entry point: nothing imported until it is called.

Detection workers are forked from a forkserver (crawler/analysis/zygote.py), and the workbook's
process is spawned (the crawl runs threads); each such process starts from the script that
started its parent (multiprocessing's ``__mp_main__``). When that script imported the CLI at its
top, every one of them loaded Scrapy, Twisted, openpyxl, the reporting and the browser glue it
never uses (about 45 MB and 0.6 s each); with this module the script imports nothing, and the
process only what its task needs.
"""

from __future__ import annotations


def main() -> None:
    from crawler.cli import cli

    cli()
