"""Text helpers for the dashboard: literal markdown, file-name stems."""

from __future__ import annotations

import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$])")


def md_escape(text: str) -> str:
    """``text`` shown literally in ``st.markdown`` (song titles hold ``*``, ``_``, ``#``...)."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def slug(text: str, fallback: str = "playlist") -> str:
    """A file-name stem of ``text``: lower case, words joined by ``-``, at most 60 characters."""
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")[:60] or fallback
