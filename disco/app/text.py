"""Text helpers for the dashboard: literal Markdown, messages safe to render, file-name stems."""

from __future__ import annotations

import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:])")
_CODE_SPAN = re.compile(r"(`[^`\n]+`)")


def md_escape(text: str) -> str:
    """``text`` shown literally in ``st.markdown`` and the other Markdown elements (song titles hold ``*``,
    ``_``, ``#``; a file name can be ``[click](http://...)``)."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def md_safe(message: str) -> str:
    """A message that may quote user input (a file name, a column header) made safe for Markdown: everything
    is literal except its `code spans`, which render as code (and code never renders a link)."""
    return "".join(part if _CODE_SPAN.fullmatch(part) else md_escape(part)
                   for part in _CODE_SPAN.split(str(message)))


def slug(text: str, fallback: str = "playlist") -> str:
    """A file-name stem of ``text``: lower case, words joined by ``-``, at most 60 characters."""
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")[:60] or fallback
