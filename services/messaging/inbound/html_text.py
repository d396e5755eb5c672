"""HTML-only mails turned into plain text (the standard library's parser is enough).

Quoted parts (``<blockquote>``, Gmail's and Outlook's quote containers) and the
signature containers mail programs mark are left out here already; what remains goes
through the same reply extraction as a text mail.
Nothing of the HTML survives: no tag, no attribute, no link target.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCKS = {
    "address",
    "article",
    "div",
    "dl",
    "dt",
    "dd",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tr",
    "ul",
}
_SKIPPED = {"head", "script", "style", "title", "template", "blockquote", "noscript"}
# Containers in which mail programs put the quoted previous message.
# Outlook's "De : … Envoyé : …" block is kept: the reply extraction cuts there, and
# the quoted text that follows it is a sibling, not a child, of that block.
_QUOTE_CLASSES = {"gmail_quote", "gmail_quote_container", "moz-forward-container", "yahoo_quoted"}
_QUOTE_IDS = {"mail-editor-reference-message-container"}
# Containers in which they put the writer's signature (Gmail, Thunderbird, Outlook on
# the web and on phones): left out as well.
_SIGNATURE_CLASSES = {"gmail_signature", "moz-signature"}
_SIGNATURE_IDS = {"signature", "ms-outlook-mobile-signature"}
_SOURCE_SPACE = re.compile(r"[ \t\r\n\f]+")
_VOID = {"br", "hr", "img", "meta", "link", "input", "area", "base", "col", "wbr", "source"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_stack: list[str] = []
        self._in_pre = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skip_stack:
            if tag not in _VOID:
                self._skip_stack.append(tag)
            return
        attributes = {name: value or "" for name, value in attrs}
        classes = set(attributes.get("class", "").lower().split())
        element_id = attributes.get("id", "").lower()
        if (
            tag in _SKIPPED
            or classes & (_QUOTE_CLASSES | _SIGNATURE_CLASSES)
            or element_id in _QUOTE_IDS | _SIGNATURE_IDS
        ):
            if tag not in _VOID:
                self._skip_stack.append(tag)
            return
        if tag == "pre":
            self._in_pre = True
        if tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCKS:
            self._line_break()
        if tag == "li":
            self.parts.append("- ")
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if self._skip_stack:
            # Tolerate unbalanced HTML: close up to the matching open tag.
            if tag in self._skip_stack:
                while self._skip_stack and self._skip_stack.pop() != tag:
                    pass
            return
        if tag == "pre":
            self._in_pre = False
        if tag in _BLOCKS:
            self._line_break()

    def _line_break(self) -> None:
        # A block starts and ends on its own line, without adding blank lines: mail
        # programs write one <div> per line and mark blank lines with <br>.
        if self.parts and not self.parts[-1].endswith("\n"):
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._skip_stack:
            return
        # Line breaks in the source are spaces, as a browser shows them (not &nbsp;,
        # which Outlook uses for its blank lines).
        if not self._in_pre:
            data = _SOURCE_SPACE.sub(" ", data)
            if data == " " and (not self.parts or self.parts[-1].endswith("\n")):
                return  # indentation between blocks, not a line of text
        self.parts.append(data)


def html_to_text(html: str) -> str:
    """The readable text of an HTML mail body, without its quoted parts."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    text = "".join(extractor.parts).replace("\xa0", " ")
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
