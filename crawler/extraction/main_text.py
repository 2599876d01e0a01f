"""Main text of an HTML page no site config knows: the ad, without the site around it.

For ``check`` of an unknown page (a hotline URL) and ``scan`` of HTML. Measured on 39 saved pages
of 13 layouts (bench/main_text.py, docs/extraction.md): trafilatura alone kept hundreds of times
the ad on pages padded with hidden text, and the navigation, side boxes and skill lists of most
layouts; readability-lxml chose the wrong block on Chinese pages (it counts ASCII commas) and
dropped headlines. So, in order:

1. prune what a reader never sees or never reads as the ad: scripts and styles, elements hidden
   by ``display:none``, ``hidden`` or ``aria-hidden`` (but not ``visibility:hidden``, which WeChat
   articles are served with), lists and tables of short items (skills, tags, service checklists)
   and blocks that are mostly links or cards that link elsewhere (navigation, "related", "hot"
   boxes, other ads), innermost first;
2. trafilatura (favor_precision) on what is left; when it finds nothing (a page of a line or two),
   the largest remaining block (readability-lxml as a fallback was never needed on the saved pages);
3. the judged title is the page's headline (its first <h1>, else og:title) and its own <title>
   when that says more than the headline.

Kept apart from extract.py so that ``scan`` does not import Scrapy.
"""

from __future__ import annotations

import re
import unicodedata

import lxml.html
from lxml import etree

DROPPED_TAGS = ("script", "style", "noscript", "template", "svg", "iframe", "button", "select", "input", "textarea")
HIDDEN_STYLE = re.compile(r"display\s*:\s*none", re.IGNORECASE)
BLOCKS = ("div", "ul", "ol", "dl", "table", "section", "aside", "nav", "footer", "header", "p", "tr", "td")
SHORT_ITEM = 8  # characters: a skill, a tag, a menu entry
LINK_DENSE = 0.6  # share of a block's text inside links above which it is navigation
CARD_TEXT = 80  # characters of one card in a list of other ads
MIN_TEXT = 20
SITE_NAME = 5  # characters of a <title> beyond the headline below which it is just the site's name
TITLE_PARTS = re.compile(r"\s*[_|｜\-–—·:：]\s*")  # characters below which an extractor is taken to have found nothing


def _text(element: etree._Element) -> str:
    return "".join(element.itertext()).strip()


def _norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def _hidden(element: etree._Element) -> bool:
    return (
        element.get("hidden") is not None
        or element.get("aria-hidden") == "true"
        or bool(HIDDEN_STYLE.search(element.get("style") or ""))
    )


def _item_list(element: etree._Element) -> bool:
    """A list or table of short items: skills, tags, a service checklist, a menu."""
    if element.tag in ("ul", "ol"):
        items = [_text(li) for li in element if li.tag == "li"]
    elif element.tag == "table":
        items = [_text(cell) for cell in element.iter("td", "th")]
    else:
        return False
    return len(items) >= 4 and all(len(_norm(item)) <= SHORT_ITEM for item in items)


def _card_list(element: etree._Element) -> bool:
    """Three or more short siblings that each link somewhere: other ads' cards, "related", "hot"."""
    children = [child for child in element if isinstance(child.tag, str)]
    if len(children) < 3:
        return False
    linking = [child for child in children if child.tag == "a" or child.find(".//a") is not None]
    return len(linking) >= 0.8 * len(children) and all(len(_norm(_text(c))) <= CARD_TEXT for c in children)


def _link_dense(element: etree._Element) -> bool:
    """A block that is mostly links: navigation, "hot" and "related" boxes, tag clouds."""
    anchors = element.findall(".//a")
    if len(anchors) < 3:
        return False
    total = len(_norm(_text(element)))
    linked = sum(len(_norm(_text(a))) for a in anchors)
    return total > 0 and linked >= LINK_DENSE * total


def _drop(element: etree._Element) -> None:
    parent = element.getparent()
    if parent is not None:
        element.drop_tree()


def prune(root: etree._Element) -> None:
    """Remove, innermost first, what is not the ad (see the module's docstring)."""
    for element in list(root.iter(*DROPPED_TAGS)):
        _drop(element)
    for element in list(root.iter()):
        if isinstance(element.tag, str) and _hidden(element):
            _drop(element)
    for element in reversed(list(root.iter(*BLOCKS))):
        if element.getparent() is not None and (_item_list(element) or _card_list(element) or _link_dense(element)):
            _drop(element)


def _headline(root: etree._Element) -> str:
    for h1 in root.iter("h1"):
        if text := " ".join(_text(h1).split()):
            return text
    for meta in root.iter("meta"):
        if meta.get("property") == "og:title" and (content := (meta.get("content") or "").strip()):
            return content
    return ""


def judged_title(headline: str, page_title: str) -> str:
    """The headline, and the page's <title> too when it says more than the headline and the site's name.

    A <title> is usually "ad title_section_site name": its parts the headline already holds, and
    its last part (the site's name) when it has several, do not count; what is left counts when it
    is at least SITE_NAME characters.
    """
    if not headline or not page_title:
        return headline or page_title
    head = _norm(headline)
    parts = [_norm(part) for part in TITLE_PARTS.split(page_title) if _norm(part)]
    said = 0  # characters of the <title> the headline does not already hold
    for part in parts[:-1] if len(parts) > 1 else parts:
        if part in head:
            continue
        said += len(part) - len(head) if head in part else len(part)
    return headline if said < SITE_NAME else f"{headline} | {page_title}"


def _untable(text: str) -> str:
    """trafilatura writes tables as Markdown: one line per cell instead, separators left out."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("|"):
            cells = [cell.strip() for cell in stripped.strip("|").split(" | ")]
            lines.extend(cell for cell in cells if cell and not set(cell) <= {"-", "|", " "})
        else:
            lines.append(line)
    return "\n".join(lines)


def _trafilatura(html: str) -> str:
    import trafilatura

    found = trafilatura.extract(html, favor_precision=True, include_comments=False, include_tables=True)
    return _untable(found or "")


def _largest_block(root: etree._Element) -> str:
    blocks = list(root.iter("article", "main")) or [root]
    block = max(blocks, key=lambda element: len(_text(element)))
    return "\n".join(line.strip() for line in "\n".join(block.itertext()).splitlines() if line.strip())


def parse(page: str | bytes) -> etree._Element | None:
    """The page's tree; None for what is no HTML at all (empty, or nothing but whitespace)."""
    try:
        return lxml.html.document_fromstring(page)
    except ValueError:  # a str that declares its encoding: lxml wants the bytes
        if isinstance(page, str):
            return parse(page.encode("utf-8"))
        return None
    except etree.ParserError:
        return None


def main_text(page: str | bytes) -> tuple[str, str]:
    """(title, body) of a page no site config knows: its headline and <title>, and the ad's text."""
    root = parse(page)
    if root is None:
        return "", ""
    page_title = " ".join(_text(root.find(".//title")).split()) if root.find(".//title") is not None else ""
    headline = _headline(root)
    prune(root)
    html = etree.tostring(root, encoding="unicode", method="html")
    body = _trafilatura(html).strip()
    if len(_norm(body)) < MIN_TEXT:
        body = _largest_block(root)
    title = judged_title(headline or page_title, page_title)
    repeated = {_norm(headline), _norm(page_title)}
    lines = [line.strip() for line in body.splitlines() if line.strip() and _norm(line) not in repeated]
    return title, "\n".join(lines)
