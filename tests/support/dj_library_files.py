"""Small, made-up DJ library files for tests, written from the formats' documented fields (spec section 8).

Never a real user's library. Each writer takes the fields as the format spells them (strings written as
given, ``None`` = attribute or element left out), so tests can also write broken values.
"""

from __future__ import annotations

import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import quote


def _attrs(fields: dict) -> dict[str, str]:
    return {name: str(value) for name, value in fields.items() if value is not None}


def _write_xml(path: Path, root: ET.Element) -> Path:
    ET.indent(root)
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode"),
                    encoding="utf-8")
    return path


# --- Rekordbox XML ------------------------------------------------------------------------------------------


def rekordbox_location(path: str) -> str:
    """``file://localhost`` + the percent-encoded absolute POSIX path, as Rekordbox writes it."""
    return "file://localhost" + quote(str(path))


def rekordbox_playlist(name: str, keys: list, key_type: int = 0) -> dict:
    return {"kind": "playlist", "name": name, "keys": [str(k) for k in keys], "key_type": key_type}


def rekordbox_folder(name: str, children: list[dict]) -> dict:
    return {"kind": "folder", "name": name, "children": children}


def write_rekordbox_xml(path: Path, tracks: list[dict], nodes: list[dict] = ()) -> Path:
    """``tracks``: TRACK attributes (TrackID, Name, Artist, Album, Genre, Year, TotalTime, AverageBpm,
    Tonality, Location); ``nodes``: :func:`rekordbox_playlist` / :func:`rekordbox_folder` under ROOT."""
    root = ET.Element("DJ_PLAYLISTS", Version="1.0.0")
    ET.SubElement(root, "PRODUCT", Name="rekordbox", Version="6.8.5", Company="AlphaTheta")
    collection = ET.SubElement(root, "COLLECTION", Entries=str(len(tracks)))
    for track in tracks:
        elem = ET.SubElement(collection, "TRACK", _attrs(track))
        # a beat grid marker, as real exports have: not a track
        ET.SubElement(elem, "TEMPO", Inizio="0.025", Bpm=str(track.get("AverageBpm") or "120"), Metro="4/4",
                      Battito="1")

    def add(parent: ET.Element, node: dict) -> None:
        if node["kind"] == "folder":
            folder = ET.SubElement(parent, "NODE", Type="0", Name=node["name"], Count=str(len(node["children"])))
            for child in node["children"]:
                add(folder, child)
        else:
            playlist = ET.SubElement(parent, "NODE", Name=node["name"], Type="1", KeyType=str(node["key_type"]),
                                     Entries=str(len(node["keys"])))
            for key in node["keys"]:
                ET.SubElement(playlist, "TRACK", Key=key)

    playlists = ET.SubElement(root, "PLAYLISTS")
    top = ET.SubElement(playlists, "NODE", Type="0", Name="ROOT", Count=str(len(nodes)))
    for node in nodes:
        add(top, node)
    return _write_xml(path, root)


# --- Traktor NML --------------------------------------------------------------------------------------------


def traktor_dir(folders: list[str]) -> str:
    """``DIR`` of a folder list: ``/:a/:b/:``."""
    return "/:" + "".join(f"{f}/:" for f in folders)


def traktor_entry(title: str | None, artist: str | None, *, volume: str | None = "Macintosh HD",
                  folders: list[str] | None = None, file: str | None = None, bpm=None, musical_key=None,
                  info_key=None, playtime=None, album: str | None = None, genre: str | None = None,
                  release_date: str | None = None, location: bool = True) -> dict:
    return {"TITLE": title, "ARTIST": artist, "location": location, "VOLUME": volume,
            "DIR": traktor_dir(folders or []), "FILE": file, "BPM": bpm, "MUSICAL_KEY": musical_key,
            "KEY": info_key, "PLAYTIME": playtime, "ALBUM": album, "GENRE": genre, "RELEASE_DATE": release_date}


def traktor_key(entry: dict) -> str:
    """A playlist entry's PRIMARYKEY KEY: VOLUME + DIR + FILE."""
    return f"{entry['VOLUME'] or ''}{entry['DIR']}{entry['FILE']}"


def traktor_playlist(name: str, keys: list[str], node_type: str = "PLAYLIST") -> dict:
    return {"kind": "playlist", "name": name, "keys": keys, "type": node_type}


def traktor_folder(name: str, children: list[dict]) -> dict:
    return {"kind": "folder", "name": name, "children": children}


def write_traktor_nml(path: Path, entries: list[dict], nodes: list[dict] = ()) -> Path:
    """``entries``: :func:`traktor_entry`; ``nodes``: :func:`traktor_playlist` / :func:`traktor_folder`
    under ``$ROOT``."""
    root = ET.Element("NML", VERSION="19")
    ET.SubElement(root, "HEAD", COMPANY="www.native-instruments.com", PROGRAM="Traktor")
    collection = ET.SubElement(root, "COLLECTION", ENTRIES=str(len(entries)))
    for e in entries:
        entry = ET.SubElement(collection, "ENTRY", _attrs({"TITLE": e["TITLE"], "ARTIST": e["ARTIST"]}))
        if e["location"]:
            ET.SubElement(entry, "LOCATION", _attrs({"DIR": e["DIR"], "FILE": e["FILE"], "VOLUME": e["VOLUME"],
                                                     "VOLUMEID": "abc123"}))
        if e["ALBUM"] is not None:
            ET.SubElement(entry, "ALBUM", TITLE=e["ALBUM"])
        ET.SubElement(entry, "INFO", _attrs({"GENRE": e["GENRE"], "KEY": e["KEY"], "PLAYTIME": e["PLAYTIME"],
                                             "RELEASE_DATE": e["RELEASE_DATE"]}))
        if e["BPM"] is not None:
            ET.SubElement(entry, "TEMPO", BPM=str(e["BPM"]), BPM_QUALITY="100.000000")
        if e["MUSICAL_KEY"] is not None:
            ET.SubElement(entry, "MUSICAL_KEY", VALUE=str(e["MUSICAL_KEY"]))

    def add(subnodes: ET.Element, node: dict) -> None:
        if node["kind"] == "folder":
            folder = ET.SubElement(subnodes, "NODE", TYPE="FOLDER", NAME=node["name"])
            inner = ET.SubElement(folder, "SUBNODES", COUNT=str(len(node["children"])))
            for child in node["children"]:
                add(inner, child)
        else:
            elem = ET.SubElement(subnodes, "NODE", TYPE=node["type"], NAME=node["name"])
            playlist = ET.SubElement(elem, "PLAYLIST", ENTRIES=str(len(node["keys"])), TYPE="LIST",
                                     UUID="0123456789abcdef0123456789abcdef")
            for key in node["keys"]:
                ET.SubElement(ET.SubElement(playlist, "ENTRY"), "PRIMARYKEY", TYPE="TRACK", KEY=key)

    playlists = ET.SubElement(root, "PLAYLISTS")
    top = ET.SubElement(playlists, "NODE", TYPE="FOLDER", NAME="$ROOT")
    subnodes = ET.SubElement(top, "SUBNODES", COUNT=str(len(nodes)))
    for node in nodes:
        add(subnodes, node)
    return _write_xml(path, root)


# --- Mixxx SQLite -------------------------------------------------------------------------------------------

_MIXXX_SCHEMA = """
CREATE TABLE track_locations (id INTEGER PRIMARY KEY AUTOINCREMENT, location varchar(512) UNIQUE,
    filename varchar(512), directory varchar(512), filesize INTEGER, fs_deleted INTEGER,
    needs_verification INTEGER);
CREATE TABLE library (id INTEGER PRIMARY KEY AUTOINCREMENT, artist varchar(64), title varchar(64),
    album varchar(64), year varchar(16), genre varchar(64), tracknumber varchar(3),
    location INTEGER REFERENCES track_locations(location), comment varchar(256), url varchar(256),
    duration INTEGER, bitrate INTEGER, samplerate INTEGER, cuepoint INTEGER, bpm FLOAT,
    wavesummaryhex BLOB, channels INTEGER DEFAULT 0, datetime_added DEFAULT CURRENT_TIMESTAMP,
    mixxx_deleted INTEGER, played INTEGER, header_parsed INTEGER DEFAULT 0, key varchar(8) DEFAULT "",
    key_id INTEGER DEFAULT 0);
CREATE TABLE Playlists (id INTEGER PRIMARY KEY, name varchar(48), position INTEGER, hidden INTEGER DEFAULT 0 NOT NULL,
    date_created datetime, date_modified datetime, locked INTEGER DEFAULT 0);
CREATE TABLE PlaylistTracks (id INTEGER PRIMARY KEY, playlist_id INTEGER REFERENCES Playlists(id),
    track_id INTEGER REFERENCES library(id), position INTEGER, pl_datetime_added INTEGER);
CREATE TABLE crates (id INTEGER PRIMARY KEY AUTOINCREMENT, name varchar(48) UNIQUE NOT NULL,
    count INTEGER DEFAULT 0, show INTEGER DEFAULT 1, locked INTEGER DEFAULT 0, autodj_source INTEGER DEFAULT 0);
CREATE TABLE crate_tracks (crate_id INTEGER NOT NULL REFERENCES crates(id), track_id INTEGER NOT NULL
    REFERENCES library(id), UNIQUE (crate_id, track_id));
"""


def mixxx_track(track_id: int, title: str, artist: str, path: str | None, *, bpm=None, key_id=0, key_text="",
                duration=None, album="", year="", genre="", deleted: int = 0) -> dict:
    return {"id": track_id, "title": title, "artist": artist, "path": path, "bpm": bpm, "key_id": key_id,
            "key": key_text, "duration": duration, "album": album, "year": year, "genre": genre,
            "mixxx_deleted": deleted}


def write_mixxx_db(path: Path, tracks: list[dict], playlists: list[tuple] = (), crates: list[tuple] = ()) -> Path:
    """``tracks``: :func:`mixxx_track`; ``playlists``: ``(id, name, [(track_id, position), ...], hidden)``
    (rows stored in the given order, read by position); ``crates``: ``(name, [track_id, ...])``."""
    con = sqlite3.connect(path)
    try:
        con.executescript(_MIXXX_SCHEMA)
        for t in tracks:
            location_id = None
            if t["path"] is not None:
                folder, _, name = t["path"].rpartition("/")
                location_id = con.execute(
                    "INSERT INTO track_locations (location, filename, directory, fs_deleted) VALUES (?, ?, ?, 0)",
                    (t["path"], name, folder)).lastrowid
            con.execute("INSERT INTO library (id, artist, title, album, year, genre, location, duration, bpm, "
                        "mixxx_deleted, key, key_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (t["id"], t["artist"], t["title"], t["album"], t["year"], t["genre"], location_id,
                         t["duration"], t["bpm"], t["mixxx_deleted"], t["key"], t["key_id"]))
        for position, (playlist_id, name, entries, hidden) in enumerate(playlists, start=1):
            con.execute("INSERT INTO Playlists (id, name, position, hidden) VALUES (?, ?, ?, ?)",
                        (playlist_id, name, position, hidden))
            for track_id, track_position in entries:
                con.execute("INSERT INTO PlaylistTracks (playlist_id, track_id, position) VALUES (?, ?, ?)",
                            (playlist_id, track_id, track_position))
        for name, track_ids in crates:
            crate_id = con.execute("INSERT INTO crates (name) VALUES (?)", (name,)).lastrowid
            con.executemany("INSERT INTO crate_tracks (crate_id, track_id) VALUES (?, ?)",
                            [(crate_id, t) for t in track_ids])
        con.commit()
    finally:
        con.close()
    return path
