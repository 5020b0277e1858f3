"""Traktor NML (``collection.nml`` or an exported playlist): its tracks, playlists and file locations.

Layout (spec section 8): ``NML > COLLECTION > ENTRY[TITLE, ARTIST]`` with children ``LOCATION[VOLUME, DIR,
FILE]``, ``ALBUM[TITLE]``, ``INFO[GENRE, KEY, PLAYTIME, PLAYTIME_FLOAT, RELEASE_DATE]``, ``TEMPO[BPM]`` and
``MUSICAL_KEY[VALUE]`` (0-11 C..B major, 12-23 C..B minor; preferred to the text ``INFO@KEY``). Playlists:
``PLAYLISTS > NODE[TYPE=FOLDER, NAME=$ROOT] > SUBNODES > NODE[TYPE=PLAYLIST, NAME] > PLAYLIST > ENTRY >
PRIMARYKEY[TYPE=TRACK, KEY]``, folders nesting at any depth; ``KEY`` is ``VOLUME + DIR + FILE``, the id a
track is known by (``track_id`` = ``"traktor:" + KEY``).

Location <-> path. ``DIR`` lists the folders as ``/:a/:b/:``. A drive-letter ``VOLUME`` (Windows, ``C:``)
is part of the path: ``C:`` + ``/:Music/:`` + ``a.mp3`` <-> ``C:/Music/a.mp3``. Any other ``VOLUME`` is a
macOS volume name, which is not part of the POSIX path: on the start-up volume (``Macintosh HD``) the path
is ``/`` + folders + file (``/Users/me/a.mp3``); files on another volume live under
``/Volumes/<VOLUME>/``, which is used when that file exists and the first does not. Writing reverses
this: ``/Volumes/USB/x/a.mp3`` -> ``VOLUME=USB, DIR=/:x/:``; any other POSIX path -> the start-up
volume's name (``Macintosh HD`` unless told otherwise).
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path, PureWindowsPath

from disco.data.libraries.common import LibraryBuilder, LibraryTable, existing_path, is_windows_path, xml_events

ROOT_TAG = "NML"
BOOT_VOLUME = "Macintosh HD"  # macOS's default name of the start-up volume
DIR_SEPARATOR = "/:"
_DRIVE = re.compile(r"^[A-Za-z]:$")
_YEAR = re.compile(r"^\s*(\d{4})")


def primary_key(volume: str, directory: str, file: str) -> str:
    """How a playlist entry names a track: ``VOLUME/:dir/:file`` (volume + DIR + FILE)."""
    return f"{volume}{directory}{file}"


def path_from_location(volume: str, directory: str, file: str) -> str:
    """The local path of a ``LOCATION`` (see the module docstring); ``/Volumes/<VOLUME>/...`` is
    :func:`volume_path`."""
    tail = "/".join([part for part in directory.split(DIR_SEPARATOR) if part] + [file])
    if _DRIVE.match(volume or ""):
        return f"{volume}/{tail}"
    return "/" + tail


def volume_path(volume: str, directory: str, file: str) -> str | None:
    """Where a file on the macOS volume ``volume`` other than the start-up one lives, or None."""
    if not volume or _DRIVE.match(volume):
        return None
    return f"/Volumes/{volume}" + path_from_location("", directory, file)


def location_from_path(path: str, boot_volume: str = BOOT_VOLUME) -> tuple[str, str, str]:
    """``(VOLUME, DIR, FILE)`` of an absolute local path; inverse of :func:`path_from_location`."""
    text = str(path)
    if is_windows_path(text):
        win = PureWindowsPath(text)
        folders, volume = list(win.parts[1:-1]), win.drive
        file = win.name
    else:
        parts = [p for p in text.split("/") if p]
        volume = boot_volume
        if len(parts) > 2 and parts[0] == "Volumes":
            volume, parts = parts[1], parts[2:]
        folders, file = parts[:-1], (parts[-1] if parts else "")
    directory = DIR_SEPARATOR + "".join(f"{folder}{DIR_SEPARATOR}" for folder in folders)
    return volume, directory, file


def read_traktor(path, check_files: bool = True) -> LibraryTable:
    """The tracks and playlists of a Traktor NML file; ``check_files`` also reports files not on disk."""
    path = Path(path)
    lib = LibraryBuilder(path, "traktor", check_files)
    stack: list[str] = []
    n_entries = n_nodes = 0
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
        if elem.tag == "ENTRY" and parent == "COLLECTION":
            n_entries += 1
            _read_entry(lib, elem, n_entries)
            elem.clear()
        elif elem.tag == "NODE" and "PLAYLISTS" in stack:
            n_node = node_numbers.pop(elem)
            node_type = (elem.get("TYPE") or "").upper()
            name = elem.get("NAME") or ""
            if node_type == "PLAYLIST":
                _read_playlist(lib, elem, name)
                elem.clear()
            elif node_type == "SMARTLIST":
                lib.problem(f"playlist NODE {n_node} (NAME={name!r})", "a smart list has no stored order; left out")
            elif node_type != "FOLDER":
                lib.problem(f"playlist NODE {n_node} (NAME={name!r})",
                            f"TYPE {elem.get('TYPE')!r} is neither FOLDER nor PLAYLIST; left out")
    return lib.finish()


def _read_entry(lib: LibraryBuilder, entry, n: int) -> None:
    title = entry.get("TITLE") or ""
    where = f"ENTRY {n} (TITLE={title!r})"
    location = entry.find("LOCATION")
    if location is None or not (location.get("FILE") or "").strip():
        lib.skip_track(where, "no LOCATION with a FILE, so no playlist can refer to it")
        return
    volume, directory, file = (location.get("VOLUME") or "", location.get("DIR") or "", location.get("FILE"))
    local_id = primary_key(volume, directory, file)
    if lib.duplicate(where, local_id):
        return
    file_path = path_from_location(volume, directory, file)
    elsewhere = volume_path(volume, directory, file)
    if lib.check_files and elsewhere and existing_path(file_path) is None and existing_path(elsewhere):
        file_path = elsewhere

    info = entry.find("INFO")
    info = info if info is not None else {}
    key_text = info.get("KEY") or ""
    key, mode = _musical_key(lib, where, entry.find("MUSICAL_KEY"))
    if key < 0:
        key, mode = lib.key(where, "MUSICAL_KEY or INFO KEY" if not key_text else "INFO KEY", key_text)
    tempo_elem = entry.find("TEMPO")
    tempo = lib.number(where, "TEMPO BPM", None if tempo_elem is None else tempo_elem.get("BPM"),
                       positive=True, what="no tempo")
    playtime = info.get("PLAYTIME_FLOAT") or info.get("PLAYTIME")
    seconds = lib.number(where, "INFO PLAYTIME", playtime, positive=True, what="no duration")
    year_match = _YEAR.match(info.get("RELEASE_DATE") or "")
    year = float(year_match.group(1)) if year_match and int(year_match.group(1)) > 0 else math.nan
    album = entry.find("ALBUM")
    lib.add_track(where, local_id, track_name=title, artist=entry.get("ARTIST"),
                  album=None if album is None else album.get("TITLE"), genre=info.get("GENRE"), year=year,
                  duration_ms=seconds * 1000.0, tempo=tempo, key=key, mode=mode, key_text=key_text,
                  path=file_path)


def _musical_key(lib: LibraryBuilder, where: str, elem) -> tuple[int, int]:
    """(key, mode) of ``MUSICAL_KEY[VALUE]``; (-1, 1) when absent or out of range (reported)."""
    if elem is None or elem.get("VALUE") is None:
        return -1, 1
    text = elem.get("VALUE").strip()
    try:
        number = float(text)
    except ValueError:
        number = -1.0
    value = int(number) if number.is_integer() else -1
    if not 0 <= value <= 23:
        lib.problem(where, f"MUSICAL_KEY VALUE {text!r} is not 0..23; INFO KEY is used instead")
        return -1, 1
    return value % 12, 1 if value < 12 else 0


def _read_playlist(lib: LibraryBuilder, node, name: str) -> None:
    playlist = node.find("PLAYLIST")
    entries = []
    if playlist is None:
        lib.problem(f"playlist {name!r}", "the NODE has no PLAYLIST element; kept empty")
    else:
        for i, entry in enumerate(playlist.findall("ENTRY"), start=1):
            key_elem = entry.find("PRIMARYKEY")
            if key_elem is None or (key_elem.get("TYPE") or "TRACK").upper() != "TRACK":
                what = "no PRIMARYKEY" if key_elem is None else f"PRIMARYKEY TYPE {key_elem.get('TYPE')!r}, not TRACK"
                lib.skip_entry(name, f"entry {i}", what)
                continue
            key = key_elem.get("KEY") or ""
            entries.append((f"entry {i} (KEY={key!r})", key))
    lib.add_playlist(name, entries)
