"""Mixxx's ``mixxxdb.sqlite``: its tracks, playlists and file locations, read without writing to it.

Layout (spec section 8): ``library(id, artist, title, album, year, genre, location -> track_locations.id,
duration (s), bpm, key (display text), key_id, mixxx_deleted)`` and ``track_locations(id, location)``,
``location`` being the absolute file path as Mixxx stores it (``/home/me/a.mp3``, ``C:/Music/a.mp3``), used
as is. ``key_id``: 1-12 C, Db, ..., B major, 13-24 the same roots minor, 0 = none; it is used rather than the
text, which is read only when ``key_id`` is 0. Playlists: ``Playlists(id, name, position, hidden)`` +
``PlaylistTracks(playlist_id, track_id, position)`` in ``position`` order; hidden playlists (the Auto DJ queue,
history set logs) and crates (no order) are listed as problems, not read.
"""

from __future__ import annotations

import math
import re
import sqlite3
from pathlib import Path

from disco.data.libraries.common import LibraryBuilder, LibraryTable
from disco.errors import CatalogError

SQLITE_MAGIC = b"SQLite format 3\x00"
_LIBRARY_COLUMNS = ("id", "artist", "title", "album", "year", "genre", "location", "duration", "bpm", "key",
                    "key_id", "mixxx_deleted")
_REQUIRED = ("id", "location")
_HIDDEN = {1: "the Auto DJ queue", 2: "a history set log"}
_YEAR = re.compile(r"^\s*(\d{4})")


def key_from_key_id(key_id: int) -> tuple[int, int]:
    """(key, mode) of a Mixxx ``key_id`` (1-12 major, 13-24 minor); (-1, 1) for anything else."""
    if 1 <= key_id <= 24:
        return (key_id - 1) % 12, 1 if key_id <= 12 else 0
    return -1, 1


def read_mixxx(path, check_files: bool = True) -> LibraryTable:
    """The tracks and playlists of a Mixxx database (opened read-only); ``check_files`` also reports files
    not on disk."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            magic = handle.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read the library file ({exc.strerror or exc})") from None
    if magic != SQLITE_MAGIC:
        raise CatalogError(f"{path}: not an SQLite database (expected Mixxx's mixxxdb.sqlite)")
    lib = LibraryBuilder(path, "mixxx", check_files)
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise CatalogError(f"{path}: cannot open the Mixxx database: {exc}") from None
    try:
        tables = {name.lower(): name for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        for needed in ("library", "track_locations"):
            if needed not in tables:
                raise CatalogError(f"{path}: no table {needed!r}; not a Mixxx library database")
        deleted = _read_tracks(lib, con, tables)
        _read_playlists(lib, con, tables, deleted)
        _report_crates(lib, con, tables)
    except sqlite3.Error as exc:
        raise CatalogError(f"{path}: cannot read the Mixxx database: {exc}") from None
    finally:
        con.close()
    return lib.finish()


def _columns(con: sqlite3.Connection, table: str) -> set[str]:
    return {row[1].lower() for row in con.execute(f'PRAGMA table_info("{table}")')}


def _read_tracks(lib: LibraryBuilder, con: sqlite3.Connection, tables: dict[str, str]) -> set[str]:
    """Adds the library's tracks; returns the ids of hidden/deleted ones (left out, reported)."""
    library, locations = tables["library"], tables["track_locations"]
    have = _columns(con, library)
    missing = [c for c in _REQUIRED if c not in have]
    if missing:
        raise CatalogError(f"{lib.source}: table {library!r} has no column {', '.join(map(repr, missing))}")
    for column in _LIBRARY_COLUMNS:
        if column not in have:
            lib.problem(f"table {library!r}", f"no column {column!r} (an older Mixxx?); read as empty")
    select = ", ".join(f'l."{c}"' if c in have else "NULL" for c in _LIBRARY_COLUMNS)
    query = (f'SELECT {select}, tl.location FROM "{library}" AS l '
             f'LEFT JOIN "{locations}" AS tl ON tl.id = l.location ORDER BY l.id')
    deleted: set[str] = set()
    for row in con.execute(query):
        rec = dict(zip(_LIBRARY_COLUMNS, row[:-1]))
        file_path = row[-1]
        local_id = str(rec["id"])
        where = f"library id={local_id} (title={rec['title'] or ''!r})"
        if rec["mixxx_deleted"]:
            deleted.add(local_id)
            lib.skip_track(where, "hidden or deleted in Mixxx (mixxx_deleted=1)")
            continue
        if lib.duplicate(where, local_id):
            continue
        if not file_path:
            lib.problem(where, f"no track_locations row for location={rec['location']!r}, no file path")
        key, mode = _key(lib, where, rec["key_id"], rec["key"])
        year_match = _YEAR.match(str(rec["year"] or ""))
        year = float(year_match.group(1)) if year_match and int(year_match.group(1)) > 0 else math.nan
        seconds = lib.number(where, "duration", rec["duration"], positive=True, what="no duration")
        lib.add_track(where, local_id, track_name=rec["title"], artist=rec["artist"], album=rec["album"],
                      genre=rec["genre"], year=year, duration_ms=seconds * 1000.0,
                      tempo=lib.number(where, "bpm", rec["bpm"], positive=True, what="no tempo"),
                      key=key, mode=mode, key_text=rec["key"] or "", path=file_path or "")
    return deleted


def _key(lib: LibraryBuilder, where: str, key_id, key_text) -> tuple[int, int]:
    """From ``key_id``; its display text only when ``key_id`` is 0 or empty."""
    try:
        number = int(key_id) if key_id is not None and str(key_id).strip() != "" else 0
    except (TypeError, ValueError):
        number = -1
    if 1 <= number <= 24:
        return key_from_key_id(number)
    if number != 0:
        lib.problem(where, f"key_id {key_id!r} is not 0..24; the key text is used instead")
    return lib.key(where, "key (key_id 0)", key_text)


def _read_playlists(lib: LibraryBuilder, con: sqlite3.Connection, tables: dict[str, str], deleted: set[str]) -> None:
    if "playlists" not in tables or "playlisttracks" not in tables:
        return
    playlists, entries_table = tables["playlists"], tables["playlisttracks"]
    have = _columns(con, playlists)
    order = "position, id" if "position" in have else "id"
    hidden = "hidden" if "hidden" in have else "0"
    for playlist_id, name, hidden_type in con.execute(
            f'SELECT id, name, {hidden} FROM "{playlists}" ORDER BY {order}').fetchall():
        name = name or ""
        if hidden_type:
            what = _HIDDEN.get(hidden_type, f"hidden={hidden_type}")
            lib.problem(f"playlist {name!r}", f"hidden in Mixxx ({what}); not read as a playlist")
            continue
        entries = []
        for track_id, position in con.execute(
                f'SELECT track_id, position FROM "{entries_table}" WHERE playlist_id = ? ORDER BY position, rowid',
                (playlist_id,)):
            local_id = str(track_id)
            where = f"entry at position {position} (track_id={local_id})"
            if local_id in deleted:
                lib.skip_entry(name, where, "the track is hidden or deleted in Mixxx")
            else:
                entries.append((where, local_id))
        lib.add_playlist(name, entries)


def _report_crates(lib: LibraryBuilder, con: sqlite3.Connection, tables: dict[str, str]) -> None:
    if "crates" not in tables:
        return
    counts = {}
    if "crate_tracks" in tables:
        counts = dict(con.execute(f'SELECT crate_id, COUNT(*) FROM "{tables["crate_tracks"]}" GROUP BY crate_id'))
    for crate_id, name in con.execute(f'SELECT id, name FROM "{tables["crates"]}" ORDER BY id'):
        lib.problem(f"crate {name or ''!r}", f"a crate has no order; its {counts.get(crate_id, 0)} tracks are not "
                                             f"read as a playlist")
