"""Column aliases: one table mapping the headers people's song files use to DISCO's canonical names.

Headers are compared after :func:`norm_header` (lowercase, only letters and digits), so
``Track URI``, ``track.uri`` and ``track_uri`` are the same header.
"""

from __future__ import annotations

import re

from disco.data import schema
from disco.theory.keys import parse_key

# canonical name -> accepted headers (normalized), best first: the first one present wins.
ALIASES: dict[str, tuple[str, ...]] = {
    "track_id": ("trackid", "spotifyid", "id", "trackuri", "uri", "spotifyuri"),
    "track_name": ("trackname", "name", "title", "song", "songname", "tracktitle"),
    "artist": ("trackartist", "artistnames", "artistsname", "artistname", "artists", "artist"),
    "album": ("trackalbumname", "albumname", "album"),
    "genre": ("playlistgenre", "trackgenre", "genre"),
    "subgenre": ("playlistsubgenre", "subgenre"),
    "popularity": ("trackpopularity", "popularity"),
    "duration_ms": ("durationms", "trackdurationms"),
    "year": ("year", "trackalbumreleasedate", "albumreleasedate", "releasedate", "releaseyear"),
    "path": ("path", "filepath", "location", "file"),
    "measured_by": ("measuredby",),
    "playlist_id": ("playlistid", "playlisturi"),
    "playlist_name": ("playlistname", "playlist"),
    "added_at": ("addedat",),  # marks a single-playlist export (Exportify, spotifyr)
    "key_mode": ("keymode",),  # spotifyr's "C# major": used when key/mode columns are absent
    **{f: (f,) for f in schema.FEATURES},
}

REQUIRED = ("track_id",) + schema.FEATURES

# Known layouts, for the report only (loading goes through ALIASES alone): name -> headers that identify it.
KNOWN_SCHEMAS: tuple[tuple[str, frozenset[str]], ...] = (
    ("tidytuesday", frozenset({"trackid", "trackartist", "playlistsubgenre"})),
    ("spotifyr", frozenset({"trackid", "trackname", "playlistid"})),
    ("exportify", frozenset({"trackuri", "artistnames"})),
    ("exportify (old)", frozenset({"spotifyid", "artistnames"})),
    ("kaggle spotify tracks", frozenset({"trackid", "artists", "trackgenre"})),
)
# Files written from R mark a missing text cell with the literal "NA".
R_SCHEMAS = frozenset({"tidytuesday", "spotifyr"})

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def norm_header(name: object) -> str:
    """``"Artist Name(s)"`` -> ``"artistnames"``: lowercase, letters and digits only."""
    return _NON_ALNUM.sub("", str(name).lower())


def resolve_columns(headers: list[str]) -> dict[str, str]:
    """Map canonical name -> the file's header for each canonical column found."""
    by_norm: dict[str, str] = {}
    for h in headers:
        by_norm.setdefault(norm_header(h), h)
    found: dict[str, str] = {}
    used: set[str] = set()
    for canon, aliases in ALIASES.items():
        for alias in aliases:
            if alias in by_norm and by_norm[alias] not in used:
                found[canon] = by_norm[alias]
                used.add(by_norm[alias])
                break
    return found


def detect_schema(headers: list[str]) -> str:
    """Name of the known layout these headers match, else ``"generic"``."""
    normed = {norm_header(h) for h in headers}
    for name, signature in KNOWN_SCHEMAS:
        if signature <= normed:
            return name
    return "generic"


def parse_key_mode(text: str) -> tuple[float, float]:
    """spotifyr's ``"C# major"`` -> (1.0, 1.0); not a key -> (nan, nan)."""
    key, mode = parse_key(text)
    return (float("nan"), float("nan")) if key < 0 else (float(key), float(mode))
