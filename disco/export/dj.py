"""A playlist for DJ software: M3U8 of local files, Rekordbox XML and Traktor NML, in DISCO's order.

``rows`` is :func:`disco.export.formats.playlist_frame`'s frame (one row per song, in order) plus a ``path``
column with the song's local file ("" or NaN when none; no column = no song has a file). Each writer returns
the document as ``str``; write it as UTF-8. File locations are written as the library readers read them
(:mod:`disco.data.libraries.rekordbox`, :mod:`disco.data.libraries.traktor`), so a written file reads back.

Songs without a usable local file: the M3U8 gives their Spotify link (a ``#`` comment line says so) or, for a
song with no Spotify id, only a comment; Rekordbox and Traktor need a file for every track, so the XML
writers leave such songs out with an XML comment naming them (:func:`songs_without_file` lists them).
"""

from __future__ import annotations

import math
import os
import re
import uuid
import xml.etree.ElementTree as ET

import pandas as pd

from disco.data.libraries.rekordbox import location_from_path
from disco.data.libraries.traktor import BOOT_VOLUME, primary_key
from disco.data.libraries.traktor import location_from_path as traktor_location
from disco.export.text import NOT_ONE_LINE, one_line, seconds, spotify_url
from disco.theory.keys import musical_name, open_key_code

DJ_FORMATS = ("m3u8", "rekordbox", "nml")
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


def _usable_path(value) -> str:
    """The song's absolute file path, or "" when it has none or it cannot be written (a control character
    in a file name would break the line or the XML)."""
    text = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
    if not text or NOT_ONE_LINE.search(text):
        return ""
    if _WINDOWS_DRIVE.match(text) or text.startswith("/"):
        return text
    return os.path.abspath(text)


def _number(row: pd.Series, name: str) -> float:
    try:
        value = float(row.get(name, math.nan))
    except (TypeError, ValueError):
        return math.nan
    return value if math.isfinite(value) else math.nan


def _songs(rows: pd.DataFrame) -> list[dict]:
    """One dict per row with every field the writers use, cleaned: text one line, numbers NaN when unknown."""
    songs = []
    for _, row in rows.iterrows():
        key = _number(row, "key")
        songs.append({
            "track_id": one_line(row.get("track_id", "")),
            "title": one_line(row.get("track_name", "")),
            "artist": one_line(row.get("artist", "")),
            "album": one_line(row.get("album", "")),
            "genre": one_line(row.get("genre", "")),
            "duration_ms": _number(row, "duration_ms"),
            "tempo": _number(row, "tempo"),
            "key": int(key) if 0 <= key <= 11 else -1,  # NaN compares False
            "mode": 0 if _number(row, "mode") == 0 else 1,
            "path": _usable_path(row.get("path", "")),
        })
    return songs


def _label(song: dict) -> str:
    return " - ".join(t for t in (song["artist"], song["title"]) if t) or song["track_id"]


def songs_without_file(rows: pd.DataFrame) -> list[str]:
    """``"Artist - Title"`` of the songs with no usable local file (left out of Rekordbox XML and NML)."""
    return [_label(song) for song in _songs(rows) if not song["path"]]


def _seconds(song: dict) -> int | None:
    return seconds(song["duration_ms"])


# --- M3U8 -------------------------------------------------------------------------------------------------


def to_m3u8(rows: pd.DataFrame, base_dir=None) -> str:
    """Extended M3U in UTF-8: ``#EXTM3U``, then per song ``#EXTINF:<seconds>,<Artist> - <Title>`` (-1 when
    the duration is unknown) and its file, relative to ``base_dir`` (the folder the M3U8 is saved in) when
    it can be, else absolute. A song without a file gets its Spotify link, announced by a comment line; a song
    with neither is only a comment, so a player skips it."""
    base = None if base_dir is None else os.path.abspath(base_dir)
    lines = ["#EXTM3U"]
    for song in _songs(rows):
        seconds = _seconds(song)
        extinf = f"#EXTINF:{-1 if seconds is None else seconds},{_label(song)}"
        if song["path"]:
            lines += [extinf, _m3u_path(song["path"], base)]
        elif spotify_url(song["track_id"]):
            lines += [f"# no local file for {_label(song)}: Spotify link", extinf, spotify_url(song["track_id"])]
        else:
            lines.append(f"# no local file and no Spotify link for {_label(song)}; left out")
    return "\n".join(lines) + "\n"


def _m3u_path(path: str, base: str | None) -> str:
    text = path
    if base is not None and not _WINDOWS_DRIVE.match(path):
        try:
            text = os.path.relpath(path, base)
        except ValueError:  # another drive on Windows: no relative path exists
            text = path
    # a relative path starting with "#" would read as a comment
    return "./" + text if text.startswith("#") else text


# --- Rekordbox XML ----------------------------------------------------------------------------------------


def _xml_document(root: ET.Element) -> str:
    ET.indent(root, space="  ")
    return XML_DECLARATION + ET.tostring(root, encoding="unicode") + "\n"


def _left_out(parent: ET.Element, songs: list[dict]) -> None:
    for song in songs:
        if not song["path"]:
            # "--" may not appear inside an XML comment
            label = re.sub(r"-(?=-)", "- ", _label(song))
            parent.append(ET.Comment(f" DISCO: no local file for {label}; left out "))


def _unique_files(songs: list[dict]) -> dict[str, dict]:
    """Songs with a file, one per file, in first-appearance order (a library lists a file once)."""
    files: dict[str, dict] = {}
    for song in songs:
        if song["path"]:
            files.setdefault(song["path"], song)
    return files


def to_rekordbox_xml(rows: pd.DataFrame, playlist_name: str) -> str:
    """A Rekordbox XML document (``File > Import``, or the rekordbox xml tree): every song with a file in
    ``COLLECTION`` (TrackID 1..n, Location, Tonality in musical notation, AverageBpm, TotalTime) and ONE
    playlist ``playlist_name`` (KeyType 0) holding the songs in DISCO's order."""
    songs = _songs(rows)
    files = _unique_files(songs)
    track_ids = {path: str(i) for i, path in enumerate(files, start=1)}
    root = ET.Element("DJ_PLAYLISTS", Version="1.0.0")
    ET.SubElement(root, "PRODUCT", Name="DISCO")
    collection = ET.SubElement(root, "COLLECTION", Entries=str(len(files)))
    for path, song in files.items():
        attrs = {"TrackID": track_ids[path], "Name": song["title"], "Artist": song["artist"]}
        attrs.update({name: song[field] for name, field in (("Album", "album"), ("Genre", "genre")) if song[field]})
        seconds = _seconds(song)
        if seconds is not None:
            attrs["TotalTime"] = str(seconds)
        if song["tempo"] > 0:
            attrs["AverageBpm"] = f"{song['tempo']:.2f}"
        if song["key"] >= 0:
            attrs["Tonality"] = musical_name(song["key"], song["mode"])
        attrs["Location"] = location_from_path(path)
        ET.SubElement(collection, "TRACK", attrs)
    playlists = ET.SubElement(root, "PLAYLISTS")
    folder = ET.SubElement(playlists, "NODE", Type="0", Name="ROOT", Count="1")
    entries = [song for song in songs if song["path"]]
    node = ET.SubElement(folder, "NODE", Name=one_line(playlist_name), Type="1", KeyType="0",
                         Entries=str(len(entries)))
    _left_out(node, songs)
    for song in entries:
        ET.SubElement(node, "TRACK", Key=track_ids[song["path"]])
    return _xml_document(root)


# --- Traktor NML ------------------------------------------------------------------------------------------


def to_nml(rows: pd.DataFrame, playlist_name: str, boot_volume: str = BOOT_VOLUME) -> str:
    """A Traktor NML document (``Import Playlist``): every song with a file as a ``COLLECTION`` entry
    (LOCATION as VOLUME/DIR/FILE, INFO PLAYTIME and KEY in Open Key, TEMPO BPM, MUSICAL_KEY VALUE) and ONE
    playlist ``playlist_name`` in DISCO's order. ``boot_volume``: the macOS start-up volume's name, which
    Traktor writes as the VOLUME of files not under ``/Volumes`` (see :mod:`disco.data.libraries.traktor`)."""
    songs = _songs(rows)
    files = _unique_files(songs)
    keys = {}
    # Traktor's own header: importers key on it
    root = ET.Element("NML", VERSION="19")
    ET.SubElement(root, "HEAD", COMPANY="www.native-instruments.com", PROGRAM="Traktor")
    ET.SubElement(root, "MUSICFOLDERS")
    collection = ET.SubElement(root, "COLLECTION", ENTRIES=str(len(files)))
    for path, song in files.items():
        volume, directory, file = traktor_location(path, boot_volume)
        keys[path] = primary_key(volume, directory, file)
        entry = ET.SubElement(collection, "ENTRY", TITLE=song["title"], ARTIST=song["artist"])
        ET.SubElement(entry, "LOCATION", DIR=directory, FILE=file, VOLUME=volume)
        if song["album"]:
            ET.SubElement(entry, "ALBUM", TITLE=song["album"])
        info = {}
        if song["genre"]:
            info["GENRE"] = song["genre"]
        if song["key"] >= 0:
            info["KEY"] = open_key_code(song["key"], song["mode"])
        seconds = _seconds(song)
        if seconds is not None:
            info["PLAYTIME"] = str(seconds)
            info["PLAYTIME_FLOAT"] = f"{song['duration_ms'] / 1000:.6f}"
        ET.SubElement(entry, "INFO", info)
        if song["tempo"] > 0:
            ET.SubElement(entry, "TEMPO", BPM=f"{song['tempo']:.6f}", BPM_QUALITY="100.000000")
        if song["key"] >= 0:
            ET.SubElement(entry, "MUSICAL_KEY", VALUE=str(song["key"] + (0 if song["mode"] == 1 else 12)))
    playlists = ET.SubElement(root, "PLAYLISTS")
    folder = ET.SubElement(playlists, "NODE", TYPE="FOLDER", NAME="$ROOT")
    subnodes = ET.SubElement(folder, "SUBNODES", COUNT="1")
    node = ET.SubElement(subnodes, "NODE", TYPE="PLAYLIST", NAME=one_line(playlist_name))
    entries = [song for song in songs if song["path"]]
    # a stable UUID: the same playlist written twice is the same file
    playlist_uuid = uuid.uuid5(uuid.NAMESPACE_URL, "disco:" + one_line(playlist_name) + "\n"
                               + "\n".join(keys[song["path"]] for song in entries)).hex
    playlist = ET.SubElement(node, "PLAYLIST", ENTRIES=str(len(entries)), TYPE="LIST", UUID=playlist_uuid)
    _left_out(playlist, songs)
    for song in entries:
        entry = ET.SubElement(playlist, "ENTRY")
        ET.SubElement(entry, "PRIMARYKEY", TYPE="TRACK", KEY=keys[song["path"]])
    return _xml_document(root)
