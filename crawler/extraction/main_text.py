"""Main text of an HTML page no site config knows (bs4): for ``check`` of unknown pages and ``scan`` of HTML.

Kept apart from extract.py so that ``scan`` does not import Scrapy.
"""

from __future__ import annotations

from bs4 import BeautifulSoup

BOILERPLATE = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "svg")


def main_text(page: str) -> tuple[str, str]:
    """(title, body) of a page no site config knows: its heading and largest content block (bs4)."""
    soup = BeautifulSoup(page, "html.parser")
    title_tag = soup.find("h1") or soup.find("title")
    title = title_tag.get_text(" ", strip=True) if title_tag else ""
    for tag in soup(BOILERPLATE):
        tag.decompose()
    candidates = soup.find_all(["article", "main"]) or [soup.body or soup]
    block = max(candidates, key=lambda tag: len(tag.get_text(strip=True)))
    body = "\n".join(line.strip() for line in block.get_text("\n").splitlines() if line.strip())
    if body.startswith(title):
        body = body[len(title) :].lstrip("\n")
    return title, body
