"""Text for the PDF core fonts (the payroll slip, the SAKIP documents)."""

from __future__ import annotations

import unicodedata


def latin1(text: object) -> str:
    """The PDF core fonts speak Latin-1 only: fold anything else (é stays, ā -> a, “ -> ?)."""
    s = str(text)
    try:
        s.encode("latin-1")
        return s
    except UnicodeEncodeError:
        folded = "".join(ch for ch in unicodedata.normalize("NFKD", s) if not unicodedata.combining(ch))
        return folded.encode("latin-1", "replace").decode("latin-1")
