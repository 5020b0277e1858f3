"""Rekordbox XML (``File > Export Collection in xml format``): its tracks, playlists and file locations.

Layout (spec section 8): ``DJ_PLAYLISTS > COLLECTION > TRACK[TrackID, Name, Artist, Album, Genre, Year,
TotalTime (s), AverageBpm, Tonality, Location]`` and ``PLAYLISTS > NODE[Type=0, Name=ROOT] > ... >
NODE[Type=1, KeyType=0|1] > TRACK[Key]``, folders being ``NODE[Type=0]`` at any depth; document order is
play order. ``Key`` is the TrackID when KeyType is 0, the Location when it is 1.

Location <-> path: ``file://localhost/`` + the percent-encoded (UTF-8) absolute path without its leading
``/`` (``file://localhost/Users/me/Bj%C3%B6rk.mp3`` <-> ``/Users/me/Björk.mp3``); Windows paths keep the
drive letter (``file://localhost/C:/Music/a.mp3`` <-> ``C:/Music/a.mp3``); ``file:///...`` is read too.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import quote, unquote

from disco.data.libraries.common import LibraryBuilder, LibraryTable, is_windows_path, xml_events

ROOT_TAG = "DJ_PLAYLISTS"
LOCATION_PREFIX = "file://localhost/"
_DRIVE_AFTER_SLASH = re.compile(r"^/[A-Za-z]:")


def path_from_location(location: str) -> str | None:
    """The local path of a ``file://`` URL (``None`` when it is not a file URL, e.g. a streaming link)."""
    text = (location or "").strip()
    if not text.lower().startswith("file://"):
        return None
    rest = text[len("file://"):]
    # not urlsplit: an unencoded "#" or "?" in a file name is part of the name here
    host, slash, tail = rest.partition("/")
    path = unquote(slash + tail)
    if host and host.lower() != "localhost":
        # file://C:/Music/a.mp3 (drive in the host slot) or a UNC share file://server/share/a.mp3
        path = host + path if re.fullmatch(r"[A-Za-z]:", host) else "//" + host + path
    if _DRIVE_AFTER_SLASH.match(path):
        path = path[1:]
    return path or None


def location_from_path(path: str) -> str:
    """The Rekordbox Location of an absolute local path (``C:\\`` separators become ``/``)."""
    text = str(path)
    if is_windows_path(text):
        text = text.replace("\\", "/")
    return LOCATION_PREFIX + quote(text.lstrip("/"), safe="/:")


def read_rekordbox(path, check_files: bool = True) -> LibraryTable:
    """The tracks and playlists of a Rekordbox XML file; ``check_files`` also reports files not on disk."""
    path = Path(path)
    lib = LibraryBuilder(path, "rekordbox", check_files)
    stack: list[str] = []  # tags of the open elements, root first
    n_tracks = n_nodes = 0
    node_numbers: dict[ET.Element, int] = {}
    for event, elem in xml_events(path, ROOT_TAG):
        if event == "start":
            stack.append(elem.tag)
            if elem.tag == "NODE":
                n_nodes += 1
                node_numbers[elem] = n_nodes  # document order, for problem lines
            continue
        stack.pop()
        parent = stack[-1] if stack else ""
        if elem.tag == "TRACK" and parent == "COLLECTION":
            n_tracks += 1
            _read_track(lib, elem, n_tracks)
            elem.clear()  # keep memory flat on large collections
        elif elem.tag == "NODE" and "PLAYLISTS" in stack:
            n_node = node_numbers.pop(elem)
            node_type = elem.get("Type")
            if node_type == "1":
                _read_playlist(lib, elem, n_node)
                elem.clear()
            elif node_type != "0":
                lib.problem(f"playlist NODE {n_node} (Name={elem.get('Name')!r})",
                            f"Type {node_type!r} is neither 0 (folder) nor 1 (playlist); left out")
    return lib.finish()


def _read_track(lib: LibraryBuilder, elem, n: int) -> None:
    track_id = (elem.get("TrackID") or "").strip()
    where = f"TRACK {n} (TrackID={track_id})" if track_id else f"TRACK {n} (Name={elem.get('Name')!r})"
    if not track_id:
        lib.skip_track(where, "no TrackID, so no playlist can refer to it")
        return
    if lib.duplicate(where, track_id):
        return
    location = elem.get("Location")
    path = ""
    if location is None or not location.strip():
        lib.problem(where, "no Location, no file path")
    else:
        decoded = path_from_location(location)
        if decoded is None:
            lib.problem(where, f"Location {location!r} is not a local file, no file path")
        else:
            path = decoded
    tonality = elem.get("Tonality")
    key, mode = lib.key(where, "Tonality", tonality)
    seconds = lib.number(where, "TotalTime", elem.get("TotalTime"), positive=True, what="no duration")
    year_text = (elem.get("Year") or "").strip()
    year = lib.number(where, "Year", year_text) if year_text not in ("", "0") else float("nan")
    lib.add_track(where, track_id, track_name=elem.get("Name"), artist=elem.get("Artist"),
                  album=elem.get("Album"), genre=elem.get("Genre"), year=year, duration_ms=seconds * 1000.0,
                  tempo=lib.number(where, "AverageBpm", elem.get("AverageBpm"), positive=True, what="no tempo"),
                  key=key, mode=mode, key_text=tonality or "", path=path)
    if location:
        lib.alias(location.strip(), track_id)
        if path:
            lib.alias(path, track_id)  # KeyType 1 entries may encode the same path differently


def _read_playlist(lib: LibraryBuilder, node, n: int) -> None:
    name = node.get("Name") or ""
    key_type = (node.get("KeyType") or "0").strip()
    if not name:
        lib.problem(f"playlist NODE {n}", "has no Name; kept with an empty name")
    if key_type not in ("0", "1"):
        lib.problem(f"playlist {name!r}", f"KeyType {key_type!r} is neither 0 (TrackID) nor 1 (Location); "
                                          f"read as 0")
        key_type = "0"
    entries = []
    for i, track in enumerate(node.findall("TRACK"), start=1):
        key = (track.get("Key") or "").strip()
        if key_type == "1":
            # a Location: match it as written, else by the path it decodes to
            decoded = path_from_location(key)
            entries.append((f"entry {i} (Key={key!r})", (key,) if decoded is None else (key, decoded)))
        else:
            entries.append((f"entry {i} (Key={key})", key))
    lib.add_playlist(name, entries)
