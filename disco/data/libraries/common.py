"""What the DJ library readers share: the table they return, how they collect problems, and safe XML reading.

A reader never drops a track or a playlist entry silently: anything it leaves out, and anything it could
not understand (a key, a number, a file), becomes one human-readable line in ``LibraryTable.problems``
naming the file and the element or row, and is counted in ``LibraryTable.counts``.
"""

from __future__ import annotations

import math
import os
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from disco.errors import CatalogError
from disco.theory.keys import parse_key

# Columns of ``LibraryTable.songs``: text columns are str ("" when unknown), year/duration_ms/tempo float
# (NaN when unknown), key 0..11 (-1 = none) and mode 1/0 int, key_text the library's own key text.
LIBRARY_COLUMNS = ("track_id", "track_name", "artist", "album", "genre", "year", "duration_ms", "tempo",
                   "key", "mode", "key_text", "path")
LIBRARY_FORMATS = ("rekordbox", "traktor", "mixxx")
COUNT_NAMES = ("tracks", "tracks_skipped", "playlists", "playlist_entries", "entries_skipped",
               "keys_missing", "keys_not_understood", "tempos_missing", "paths_missing", "paths_not_found",
               "problems")

# A DJ library export of tens of thousands of tracks with cue points stays well below this; anything larger
# is refused rather than parsed into memory.
MAX_XML_BYTES = 200 * 1024 * 1024
# An entity declaration has to sit in the prolog; real exports have none.
_PROLOG_BYTES = 64 * 1024
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:([\\/]|$)")


@dataclass
class LibraryTable:
    """The songs and playlists of one DJ library file.

    ``songs``: one row per kept track, columns :data:`LIBRARY_COLUMNS`; ``track_id`` is the library's own
    id with the format as prefix (``"rekordbox:77"``, ``"traktor:<VOLUME/:dir/:file>"``, ``"mixxx:12"``).
    ``playlists``: ``(name, [track_id, ...])`` in the library's order, each list in play order.
    ``problems``: every issue met, one line each (``"<file>: <element/row>: <what>"``).
    ``counts``: the numbers behind them (see :data:`COUNT_NAMES`).
    """

    songs: pd.DataFrame
    playlists: list[tuple[str, list[str]]]
    problems: list[str]
    counts: dict[str, int]
    source: Path
    format: str

    def playlist_names(self) -> list[str]:
        return [name for name, _ in self.playlists]

    def playlist(self, name: str) -> list[str]:
        """The track ids of the playlist called ``name`` (exact match first, else the one case-insensitive
        match). A name used twice gives the first; :class:`CatalogError` when there is none."""
        for known, ids in self.playlists:
            if known == name:
                return list(ids)
        folded = [(known, ids) for known, ids in self.playlists if known.casefold() == name.casefold()]
        if len(folded) == 1:
            return list(folded[0][1])
        names = self.playlist_names()
        listed = ", ".join(repr(n) for n in names[:20]) + (f" and {len(names) - 20} more" if len(names) > 20 else "")
        raise CatalogError(f"{self.source}: no playlist named {name!r}; "
                           + (f"its playlists: {listed}" if names else "it has no playlists"))

    def playlist_songs(self, name: str) -> pd.DataFrame:
        """The rows of :attr:`songs` of the playlist ``name``, in play order (RangeIndex)."""
        by_id = self.songs.set_index("track_id", drop=False)
        return by_id.loc[self.playlist(name)].reset_index(drop=True)

    def summary(self) -> str:
        """One line of counts, e.g. for ``data check``."""
        c = self.counts
        return (f"{self.source.name} ({self.format}): {c['tracks']} tracks, {c['playlists']} playlists; "
                f"{c['tracks_skipped']} tracks and {c['entries_skipped']} playlist entries left out; "
                f"{c['keys_missing']} without key, {c['keys_not_understood']} keys not understood, "
                f"{c['tempos_missing']} without tempo, {c['paths_missing']} without file path, "
                f"{c['paths_not_found']} files not found; {c['problems']} problems")


@dataclass
class LibraryBuilder:
    """Collects a reader's tracks, playlists and problems; :meth:`finish` makes the :class:`LibraryTable`.

    Tracks are added under the library's own id (``local_id``); playlist entries name a track by that id or
    by an alias (Rekordbox's KeyType 1 refers to tracks by Location) and are resolved in :meth:`finish`, so
    a file may list its playlists before its collection.
    """

    source: Path
    format: str
    check_files: bool = True
    problems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_NAMES, 0))
    _rows: list[tuple] = field(default_factory=list)
    _ids: dict[str, str] = field(default_factory=dict)  # local id or alias -> track_id
    _playlists: list[tuple[str, list[tuple[str, str | tuple[str, ...]]]]] = field(default_factory=list)

    def problem(self, where: str, what: str) -> None:
        self.problems.append(f"{self.source.name}: {where}: {what}")

    def count(self, name: str) -> None:
        self.counts[name] += 1

    def skip_track(self, where: str, why: str) -> None:
        self.count("tracks_skipped")
        self.problem(where, f"{why}; track left out")

    def skip_entry(self, playlist: str, where: str, why: str) -> None:
        self.count("entries_skipped")
        self.problem(f"playlist {playlist!r}", f"{where}: {why}; entry left out")

    def number(self, where: str, name: str, text, *, positive: bool = False, what: str = "") -> float:
        """``text`` as a float; NaN (and a problem line) when missing or not a number. ``what`` names the
        consequence in the problem line ("no tempo")."""
        tail = f", {what}" if what else ""
        if text is None or str(text).strip() == "":
            self.problem(where, f"no {name}{tail}")
            return math.nan
        try:
            value = float(str(text).strip())
        except ValueError:
            self.problem(where, f"{name} {text!r} is not a number{tail}")
            return math.nan
        if not math.isfinite(value) or (positive and value <= 0):
            self.problem(where, f"{name} {text!r} is not a positive number{tail}")
            return math.nan
        return value

    def key(self, where: str, name: str, text) -> tuple[int, int]:
        """(key, mode) of a key written in any notation; (-1, 1) with a problem line when there is none or it
        is not understood."""
        if text is None or str(text).strip() == "":
            self.count("keys_missing")
            self.problem(where, f"no {name}, no key")
            return -1, 1
        key, mode = parse_key(text)
        if key < 0:
            self.count("keys_not_understood")
            self.problem(where, f"{name} {text!r} not understood, no key")
        return key, mode

    def duplicate(self, where: str, local_id: str) -> bool:
        """True (and the track reported as left out) when ``local_id`` is already taken: the first is kept.
        Readers ask before reading a track's fields, so a left-out duplicate adds no other problem line."""
        if local_id in self._ids:
            self.skip_track(where, f"duplicate id {local_id!r} (the first one is kept)")
            return True
        return False

    def add_track(self, where: str, local_id: str, *, track_name: str = "", artist: str = "", album: str = "",
                  genre: str = "", year: float = math.nan, duration_ms: float = math.nan,
                  tempo: float = math.nan, key: int = -1, mode: int = 1, key_text: str = "",
                  path: str = "") -> str | None:
        """Keep a track; returns its track_id, or None when ``local_id`` was already used (the first one is
        kept, this one reported). A missing tempo, key or file was reported by the caller; here it is
        counted, and a path that does not exist on disk is reported."""
        if self.duplicate(where, local_id):
            return None
        track_id = f"{self.format}:{local_id}"
        self._ids[local_id] = track_id
        if not (tempo > 0):
            self.count("tempos_missing")
        if not path:
            self.count("paths_missing")
        elif self.check_files:
            found = existing_path(path)
            if found is None:
                self.count("paths_not_found")
                self.problem(where, f"file not found: {path}")
            else:
                path = found
        self._rows.append((track_id, _text(track_name), _text(artist), _text(album), _text(genre), year,
                           duration_ms, tempo, int(key), int(mode), _text(key_text), path))
        return track_id

    def alias(self, other_key: str, local_id: str) -> None:
        """Let playlist entries refer to the track ``local_id`` by ``other_key`` too (first one wins)."""
        if local_id in self._ids:
            self._ids.setdefault(other_key, self._ids[local_id])

    def add_playlist(self, name: str, entries: list[tuple[str, str | tuple[str, ...]]]) -> None:
        """A playlist in play order; ``entries`` are ``(where, key)`` with ``where`` naming the entry for
        problem lines (``"entry 3 (Key=77)"``) and ``key`` a local id or alias, or a tuple of them (the
        first one known wins)."""
        self._playlists.append((name, entries))

    def finish(self) -> LibraryTable:
        songs = pd.DataFrame(self._rows, columns=list(LIBRARY_COLUMNS))
        for column in ("year", "duration_ms", "tempo"):
            songs[column] = songs[column].astype(np.float64)
        for column in ("key", "mode"):
            songs[column] = songs[column].astype(np.int64)
        playlists: list[tuple[str, list[str]]] = []
        seen: dict[str, int] = {}
        for name, entries in self._playlists:
            seen[name] = seen.get(name, 0) + 1
            if seen[name] == 2:
                self.problem(f"playlist {name!r}", "the name is used by more than one playlist; all are kept, "
                                                   "a look-up by name finds the first")
            ids = []
            for where, key in entries:
                track_id = next((self._ids[k] for k in ((key,) if isinstance(key, str) else key)
                                 if k in self._ids), None)
                if track_id is None:
                    self.skip_entry(name, where, "not in the collection")
                else:
                    ids.append(track_id)
            playlists.append((name, ids))
        self.counts["tracks"] = len(songs)
        self.counts["playlists"] = len(playlists)
        self.counts["playlist_entries"] = sum(len(ids) for _, ids in playlists)
        self.counts["problems"] = len(self.problems)
        return LibraryTable(songs=songs, playlists=playlists, problems=list(self.problems),
                            counts=dict(self.counts), source=self.source, format=self.format)


def _text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def is_windows_path(path: str) -> bool:
    """``C:/...`` or ``C:\\...``: a drive-letter path (absolute on Windows, whatever machine reads it)."""
    return bool(_WINDOWS_DRIVE.match(path))


def existing_path(path: str) -> str | None:
    """``path`` if it exists, else its NFC or NFD spelling if that exists (macOS stores names decomposed,
    exports may hold either); None when none does."""
    for candidate in dict.fromkeys((path, unicodedata.normalize("NFC", path), unicodedata.normalize("NFD", path))):
        if os.path.exists(candidate):
            return candidate
    return None


def xml_events(path: Path, root_tag: str | None) -> Iterator[tuple[str, ET.Element]]:
    """``("start" | "end", element)`` of an XML file whose root must be ``root_tag`` (None: any), parsed
    incrementally.

    Refuses files over :data:`MAX_XML_BYTES` and files declaring entities (DJ software writes neither);
    ElementTree never fetches external entities or DTDs, and the bundled expat (>= 2.4) limits entity
    expansion. Malformed XML -> :class:`CatalogError` naming the file, line and column (1-based).
    """
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read the library file ({exc.strerror or exc})") from None
    if size > MAX_XML_BYTES:
        raise CatalogError(f"{path}: {size / 1e6:.0f} MB is larger than the {MAX_XML_BYTES / 1e6:.0f} MB a DJ "
                           f"library file is read up to; refusing to parse it")
    with open(path, "rb") as handle:
        if b"<!ENTITY" in handle.read(_PROLOG_BYTES):
            raise CatalogError(f"{path}: declares XML entities (<!ENTITY ...>); DJ library files have none, "
                               f"refusing to parse it")
        handle.seek(0)
        events = ET.iterparse(handle, events=("start", "end"))
        first = True
        try:
            for event, elem in events:
                if first and root_tag is not None and elem.tag != root_tag:
                    raise CatalogError(f"{path}: the XML root element is <{elem.tag}>, expected <{root_tag}>")
                first = False
                yield event, elem
        except ET.ParseError as exc:
            line, column = exc.position
            reason = str(exc).rsplit(": line", 1)[0]
            raise CatalogError(f"{path}: not well-formed XML at line {line}, column {column + 1}: {reason}") from None
