"""Song names from audio files: the file's own tags (tinytag, MIT), else the file and folder names.

Nothing is invented: a field the tags do not carry and the names do not say stays empty ("" for text,
None for numbers).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

NAME_SEPARATOR = " - "  # "Artist - Title.mp3"
# A leading track number, dropped from file names: "01. Title", "01 - Title", "1-02 - Title". A number
# followed by a plain space is kept ("50 Cent - In Da Club", "2 Unlimited - No Limit").
TRACK_NUMBER_PREFIX = re.compile(r"^\s*(?:\d{1,2}-)?\d{1,2}(?:\.\s*|\s+-\s+|_+)")
YEAR_PATTERN = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d|21\d\d)(?!\d)")


@dataclass(frozen=True)
class Tags:
    """What a file says about itself. ``title``/``artist``/``album``/``genre``: text, "" when unknown;
    ``year``: int or None; ``duration_s``: the whole file's duration in seconds or None; ``source``: where
    the names came from (``"tags"``, ``"file name"`` or ``"tags + file name"``)."""

    title: str = ""
    artist: str = ""
    album: str = ""
    genre: str = ""
    year: int | None = None
    duration_s: float | None = None
    source: str = "file name"


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(v) for v in value if v)
    return " ".join(str(value).replace("\x00", " ").split())


def parse_year(text) -> int | None:
    """The first plausible year (1800-2199) in a tag value such as ``"2019"`` or ``"2019-05-03"``."""
    match = YEAR_PATTERN.search(_text(text))
    return int(match.group(1)) if match else None


def names_from_path(path: str | Path, root: str | Path | None = None) -> tuple[str, str]:
    """``(artist, title)`` from a file name ``"Artist - Title.ext"`` (a leading track number dropped).

    Without ``" - "`` the whole stem is the title and the artist is the name of the folder holding the
    file, but only when that folder lies inside ``root`` (the scanned folder): the scanned folder's own name
    ("Music", "Downloads") says nothing about the artist, so then the artist stays "".
    """
    path = Path(path)
    stem = path.stem
    if "_" in stem and " " not in stem:  # "Artist_-_Title": underscores stand for spaces
        stem = stem.replace("_", " ")
    stem = " ".join(stem.split())
    stem = TRACK_NUMBER_PREFIX.sub("", stem, count=1).strip() or stem
    if NAME_SEPARATOR in stem:
        artist, title = stem.split(NAME_SEPARATOR, 1)
        if artist.strip() and title.strip():
            return artist.strip(), title.strip()
    artist = ""
    if root is not None:
        parent, root_path = path.parent.resolve(), Path(root).resolve()
        if parent != root_path and root_path in parent.parents:
            artist = path.parent.name
    return artist, stem


def read_tags(path: str | Path, root: str | Path | None = None) -> Tags:
    """Artist, title, album, genre, year and duration from the file's tags (ID3, Vorbis comments, RIFF
    INFO, MP4 atoms via tinytag); artist and title fall back to :func:`names_from_path`. Never raises for a
    damaged or tagless file: it just knows less."""
    from tinytag import TinyTag

    path = Path(path)
    title = artist = album = genre = ""
    year = None
    duration = None
    try:
        tag = TinyTag.get(str(path), tags=True, duration=True, image=False)
        title, artist, album, genre = _text(tag.title), _text(tag.artist), _text(tag.album), _text(tag.genre)
        if not artist:
            artist = _text(getattr(tag, "albumartist", None))
        year = parse_year(tag.year)
        if tag.duration is not None and math.isfinite(tag.duration) and tag.duration > 0:
            duration = float(tag.duration)
    except Exception:  # tinytag raises several kinds on damaged or unknown files: the names still work
        pass
    from_tags = bool(title), bool(artist)
    if not all(from_tags):
        name_artist, name_title = names_from_path(path, root)
        title = title or name_title
        artist = artist or name_artist
    source = "tags" if all(from_tags) else "tags + file name" if any(from_tags) else "file name"
    return Tags(title=title, artist=artist, album=album, genre=genre, year=year, duration_s=duration,
                source=source)
