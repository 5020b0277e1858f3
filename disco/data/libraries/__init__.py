"""Songs and playlists from DJ software's own libraries (Rekordbox XML, Traktor NML, Mixxx SQLite), read into
one :class:`LibraryTable` with every problem reported."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from disco.data.libraries.common import (
    COUNT_NAMES,
    LIBRARY_COLUMNS,
    LIBRARY_FORMATS,
    MAX_XML_BYTES,
    LibraryTable,
    xml_events,
)
from disco.data.libraries.mixxx import SQLITE_MAGIC, read_mixxx
from disco.data.libraries.rekordbox import read_rekordbox
from disco.data.libraries.traktor import read_traktor
from disco.errors import CatalogError

__all__ = ["COUNT_NAMES", "LIBRARY_COLUMNS", "LIBRARY_FORMATS", "LibraryTable", "is_library", "library_format",
           "read_library", "read_mixxx", "read_rekordbox", "read_traktor"]

_XML_ROOTS = {"DJ_PLAYLISTS": "rekordbox", "NML": "traktor"}
_READERS = {"rekordbox": read_rekordbox, "traktor": read_traktor, "mixxx": read_mixxx}


def library_format(path) -> str | None:
    """``"rekordbox"``, ``"traktor"`` or ``"mixxx"`` by the file's content (SQLite's magic bytes, else the
    XML root element), None for anything else. Reads only the start of the file."""
    path = Path(path)
    try:
        if not path.is_file():
            return None
        with open(path, "rb") as handle:
            if handle.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC:
                return "mixxx"
            if path.stat().st_size > MAX_XML_BYTES:
                return None
            handle.seek(0)
            for _, elem in ET.iterparse(handle, events=("start",)):
                return _XML_ROOTS.get(elem.tag)
    except (OSError, ET.ParseError):
        return None
    return None


def is_library(path) -> bool:
    """True when ``path`` is a file in one of the DJ library formats (see :func:`library_format`)."""
    return library_format(path) is not None


def read_library(path, check_files: bool = True) -> LibraryTable:
    """The songs and playlists of a DJ library file, its format found from its content. ``check_files``
    reports tracks whose file is not on disk (they are kept). :class:`CatalogError` when the file is none
    of the formats, malformed or unreadable."""
    path = Path(path)
    fmt = library_format(path)
    if fmt is None:
        if not path.is_file():
            raise CatalogError(f"{path}: no such file")
        with open(path, "rb") as handle:
            looks_like_xml = handle.read(1024).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")
        if looks_like_xml:
            # malformed before its first element: say where; else name the root it has
            for _, elem in xml_events(path, None):
                raise CatalogError(f"{path}: the XML root element is <{elem.tag}>; expected <DJ_PLAYLISTS> "
                                   f"(Rekordbox) or <NML> (Traktor)")
        raise CatalogError(f"{path}: not a DJ library file; expected Rekordbox XML (root <DJ_PLAYLISTS>), "
                           f"Traktor NML (root <NML>) or a Mixxx database (mixxxdb.sqlite)")
    return _READERS[fmt](path, check_files=check_files)
