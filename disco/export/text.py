"""Text that is safe to write: one line (no control characters), spreadsheet cells that are not formulas."""

from __future__ import annotations

import math
import re

from disco.data.refs import is_track_id

# Control characters (C0, DEL, C1), Unicode line/paragraph separators and code points XML 1.0 cannot hold:
# a title must never start a new line in an M3U8, move a terminal's cursor, nor make an XML file invalid.
NOT_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff\ud800-\udfff]")
_SPACES = re.compile(r"\s+")
# a spreadsheet reads a cell starting with one of these as a formula (OWASP: CSV injection)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def one_line(text) -> str:
    """``text`` with control characters and line breaks replaced by spaces, runs of spaces collapsed."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    return _SPACES.sub(" ", NOT_ONE_LINE.sub(" ", str(text))).strip()


def safe_cell(text) -> str:
    """A text cell a spreadsheet shows as text: a leading ``'`` when it starts like a formula (OWASP's
    advice). DISCO's loader removes that quote again, so an exported file loads back unchanged."""
    text = "" if text is None or (isinstance(text, float) and math.isnan(text)) else str(text)
    return "'" + text if text.startswith(FORMULA_START) else text


def spotify_url(track_id: str) -> str | None:
    """The open.spotify.com link of a Spotify track id; None for any other id."""
    return f"https://open.spotify.com/track/{track_id}" if is_track_id(track_id) else None


def seconds(duration_ms) -> int | None:
    """Whole seconds of a duration in ms; None when unknown, not finite or not positive."""
    try:
        value = float(duration_ms)
    except (TypeError, ValueError):
        return None
    return round(value / 1000) if math.isfinite(value) and value > 0 else None
