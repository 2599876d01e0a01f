"""The text of one selected element, as html-text gives it, without copying and cleaning what needs no cleaning.

``html_text.extract_text(element)`` deep-copies the element and runs lxml's Cleaner over the copy
before reading its text: a cost per field of every page, although a field's element rarely holds
anything the Cleaner touches. With html-text's Cleaner settings it changes an element only when
the element holds a comment, a processing instruction, a namespaced (XHTML) tag or one of the
tags below (killed with their content, or unwrapped, or renamed: ``image``); an element without
any of them gives the same text from ``html_text.etree_to_text`` directly, and any other goes
through ``extract_text`` as before (tests/test_extract.py checks both ways agree).
"""

from __future__ import annotations

import html_text
from lxml import etree
from lxml.html import HtmlElement

CLEANED_TAGS = ("script", "style", "link", "meta", "applet", "frame", "frameset", "iframe", "embed", "layer")
CLEANED_TAGS += ("object", "param", "image")  # what html_text.cleaner kills, unwraps or renames
_TAG_TEST = " or ".join(f"self::{tag}" for tag in CLEANED_TAGS)
_NEEDS_CLEANING = etree.XPath(
    f"boolean(descendant-or-self::*[{_TAG_TEST} or namespace-uri() != '']"
    " | descendant-or-self::comment() | descendant-or-self::processing-instruction())"
)


def needs_cleaning(element: etree._Element) -> bool:
    return bool(_NEEDS_CLEANING(element))


def node_text(element: etree._Element) -> str:
    """``html_text.extract_text(element)``, the same string, cheaper when nothing in it needs cleaning."""
    if isinstance(element, HtmlElement) and not needs_cleaning(element):
        return html_text.etree_to_text(element)
    return html_text.extract_text(element)
