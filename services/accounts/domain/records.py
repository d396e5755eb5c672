"""The criminal-record extract: a PDF, checked by its content, never by its name."""

from __future__ import annotations

import re

MAGIC = b"%PDF-"
_VERSION = re.compile(rb"^%PDF-[12]\.\d")
_END = b"%%EOF"
# A PDF has indirect objects (« 1 0 obj ») and a cross-reference (table or stream).
_OBJECT = re.compile(rb"\d+\s+\d+\s+obj\b")
_XREF = (b"xref", b"/XRef", b"startxref")


def pdf_problem(content: bytes) -> str | None:
    """Why ``content`` is not a PDF document (French), or None when it looks like one.

    A minimal structural check: the header with a version, at least one object, a
    cross-reference, and the end marker near the end of the file.
    """
    if not content.startswith(MAGIC) or not _VERSION.match(content[:16]):
        return "Le document doit être un fichier PDF."
    if _END not in content[-2048:]:
        return "Le fichier PDF est incomplet ou endommagé."
    if not _OBJECT.search(content) or not any(marker in content for marker in _XREF):
        return "Le fichier PDF est incomplet ou endommagé."
    return None
