"""The song catalog: songs and playlists loaded from a song file, indexed for the engine and for search.

>>> cat = load_catalog("spotify_songs.csv")       # doctest: +SKIP
>>> print(cat.report.summary())                   # doctest: +SKIP

Reading is :mod:`disco.data.reading` (bytes -> text cells), validation :mod:`disco.data.validation` (cells ->
songs, playlists and a report of every excluded row); a Parquet cache keyed by the source's sha256 makes the
next load fast (:mod:`disco.data.cache`).
"""

from __future__ import annotations

import functools
import hashlib
import time
from pathlib import Path
from typing import BinaryIO, Iterable

import numpy as np
import pandas as pd

from disco import config
from disco.data import cache as catalog_cache
from disco.data import identity
from disco.data.libraries import LIBRARY_FORMATS, read_library
from disco.data.libraries.mixxx import SQLITE_MAGIC
from disco.data.reading import RawTable, parse_table, read_bytes
from disco.data.refs import track_id_of
from disco.data.validation import LoadReport, validate
from disco.errors import CatalogError

MAX_NOTES = 20  # library problems listed one by one in the load report; the rest are counted


class Catalog:
    """Songs (one row per track; row ``i`` = song index ``i`` everywhere), playlists and a load report."""

    def __init__(self, songs: pd.DataFrame, memberships: pd.DataFrame, report: LoadReport):
        self.songs = songs
        self.memberships = memberships
        self.report = report
        self.playlists: dict[str, list[str]] = {}
        self.playlist_names: dict[str, str] = {}
        if len(memberships):
            grouped = memberships.groupby("playlist_id", sort=False)
            self.playlists = {k: list(v) for k, v in grouped["track_id"]}
            self.playlist_names = dict(grouped["playlist_name"].first())
        self._index = pd.Index(songs["track_id"].to_numpy(dtype=object))
        self._search = None

    # -- construction -------------------------------------------------------------------------------------
    @classmethod
    def from_frame(cls, df: pd.DataFrame, source: str = "table", *, file_playlist: str | None = None) -> "Catalog":
        """Validate an in-memory table (any known layout) into a catalog."""
        started = time.perf_counter()
        digest = hashlib.sha256(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
        digest.update("\x1f".join(map(str, df.columns)).encode())
        songs, members, report = validate(RawTable(df), source, digest.hexdigest(), file_playlist)
        report.seconds = time.perf_counter() - started
        return cls(songs, members, report)

    # -- access ---------------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.songs)

    def __repr__(self) -> str:
        return f"Catalog({len(self):,} songs, {len(self.playlists):,} playlists, source={self.report.source!r})"

    @property
    def sha256(self) -> str:
        return self.report.sha256

    @functools.cached_property
    def recordings(self) -> np.ndarray:
        """(n,) int codes equal for songs that are the same recording (:mod:`disco.data.identity`)."""
        return identity.recording_ids(self.songs)

    def index_of(self, track_ids: str | Iterable[str]) -> np.ndarray:
        """Song indices of ``track_ids`` (ids or Spotify URIs); KeyError naming any unknown id."""
        ids = [track_ids] if isinstance(track_ids, str) else list(track_ids)
        ids = [track_id_of(t) for t in ids]
        idx = self._index.get_indexer(ids)
        if (idx < 0).any():
            unknown = [t for t, i in zip(ids, idx) if i < 0]
            more = f" (and {len(unknown) - 5} more)" if len(unknown) > 5 else ""
            raise KeyError(f"track id(s) not in the catalog: {', '.join(unknown[:5])}{more}")
        return idx.astype(np.int64)

    def subset(self, indices) -> "Catalog":
        """A catalog of songs ``indices`` (each once, in this order) with the playlist entries among them."""
        idx = np.asarray(indices, dtype=np.int64)
        _, first = np.unique(idx, return_index=True)
        songs = self.songs.iloc[idx[np.sort(first)]].reset_index(drop=True)
        members = self.memberships[self.memberships["track_id"].isin(set(songs["track_id"]))]
        return Catalog(songs, members.reset_index(drop=True), self.report)

    def playlist(self, name: str) -> np.ndarray:
        """Song indices of the playlist ``name`` (its id, else its name, exact first, then ignoring case), in
        play order; CatalogError listing the playlists when there is none."""
        for match in (lambda pid, pname: name in (pid, pname),
                      lambda pid, pname: name.casefold() in (pid.casefold(), pname.casefold())):
            found = [pid for pid, pname in self.playlist_names.items() if match(pid, pname)]
            if found:
                return self.index_of(self.playlists[found[0]])
        names = list(self.playlist_names.values())
        shown = ", ".join(repr(n) for n in names[:20]) + (f" and {len(names) - 20} more" if len(names) > 20 else "")
        raise CatalogError(f"{self.report.source}: no playlist named {name!r}; "
                           + (f"its playlists: {shown}" if names else "it has no playlists"))

    @functools.cached_property
    def blank(self) -> np.ndarray:
        """(n,) True for songs with neither title nor artist: kept, but never offered as candidates."""
        return ((self.songs["track_name"] == "") & (self.songs["artist"] == "")).to_numpy()

    def label(self, i: int) -> str:
        """``"artist - title"`` of song ``i`` (the track id when both are unknown)."""
        row = self.songs.iloc[int(i)]
        return _label(row["artist"], row["track_name"], row["track_id"])

    def labels(self) -> list[str]:
        """:meth:`label` of every song, in song order."""
        s = self.songs
        return [_label(a, t, i) for a, t, i in zip(s["artist"], s["track_name"], s["track_id"])]

    def describe(self, i: int) -> str:
        """``"artist - title · album (year)"``: enough to tell releases of look-alike songs apart."""
        row = self.songs.iloc[int(i)]
        return _describe(_label(row["artist"], row["track_name"], row["track_id"]), row["album"], row["year"])

    def search(self, query: str, limit: int = 10) -> pd.DataFrame:
        """Best matches of ``query`` over "artist - title" (see :mod:`disco.data.text_search`), one row per
        recording (its best-matching release): index, track_id, artist, track_name, album, year, genre, label
        (artist - title), description (with album and year), score (0..100) and confident (a match meant,
        not just the closest text)."""
        if self._search is None:
            from disco.data.text_search import SongSearch

            self._search = SongSearch(self.songs["artist"], self.songs["track_name"])
            # object arrays: taking a few rows from them is much cheaper than from Arrow-backed columns
            self._text = {c: self.songs[c].to_numpy(dtype=object)
                          for c in ("track_id", "artist", "track_name", "album", "genre")}
            self._year = self.songs["year"].to_numpy(dtype=np.float64)
        hits = self._search.search(query, limit=4 * limit)
        idx = hits["index"].to_numpy()
        keep = ~pd.Series(self.recordings[idx]).duplicated().to_numpy() & ~self.blank[idx]
        idx, score = idx[keep][:limit], hits["score"].to_numpy()[keep][:limit]
        confident = hits["confident"].to_numpy()[keep][:limit]
        cols = {c: v[idx] for c, v in self._text.items()}
        cols["year"] = self._year[idx]
        cols["label"] = [_label(a, t, i) for a, t, i in zip(cols["artist"], cols["track_name"], cols["track_id"])]
        cols["description"] = [_describe(lab, alb, y) for lab, alb, y in zip(cols["label"], cols["album"],
                                                                             cols["year"])]
        cols["score"], cols["confident"] = score, confident
        return pd.DataFrame({"index": idx, **{c: cols[c] for c in (
            "track_id", "artist", "track_name", "album", "year", "genre", "label", "description", "score",
            "confident")}})


def _label(artist: str, title: str, track_id: str) -> str:
    if artist and title:
        return f"{artist} - {title}"
    return artist or title or track_id


def _describe(label: str, album: str, year: float) -> str:
    year_text = "" if not np.isfinite(year) else f" ({int(year)})"
    return f"{label} · {album}{year_text}" if album else f"{label}{year_text}"


# -- loading ----------------------------------------------------------------------------------------------------
def load_catalog(path_or_buffer: str | Path | BinaryIO | bytes, name: str | None = None,
                 cache: bool = True) -> Catalog:
    """Load a song table (CSV or Parquet, gzip allowed) from a path, an open binary file or bytes.

    ``name`` is used in messages (and as the playlist name of a single-playlist export) for buffers.
    With ``cache``, a Parquet copy keyed by the source's sha256 makes the next load fast.
    """
    started = time.perf_counter()
    data, display = read_bytes(path_or_buffer, name)
    sha = hashlib.sha256(data).hexdigest()
    stem = Path(display).stem or display
    if cache:
        hit = catalog_cache.load(sha)
        if hit is not None:
            songs, members, report_dict = hit
            report = LoadReport.from_dict(report_dict)
            report.source, report.from_cache = display, True
            # (a library's own playlist names stay, also in copies cached before libraries were told apart)
            if report_dict.get("file_playlist") and len(members) and report.schema not in LIBRARY_FORMATS:
                members = members.assign(playlist_id=f"file:{stem}", playlist_name=stem)
            report.seconds = time.perf_counter() - started
            return Catalog(songs, members, report)
    library = looks_like_library(data)
    if library:
        songs, members, report = _library(source_path(path_or_buffer, data), display, sha)
    else:
        table = parse_table(data, display)
        del data  # the raw bytes are not needed past parsing
        songs, members, report = validate(table, display, sha, file_playlist=stem)
    if cache:
        # a library's playlists have their own names; a table without playlist columns is one playlist, named
        # after the file it is read from
        extra = {"file_playlist": not library and bool(len(members)) and "playlist_id" not in report.columns}
        catalog_cache.save(sha, songs, members, {**report.to_dict(), **extra})
    report.seconds = time.perf_counter() - started
    return Catalog(songs, members, report)


def looks_like_library(data: bytes) -> bool:
    """True for a DJ library's bytes: a Mixxx database or a Rekordbox/Traktor XML document."""
    head = data[:4096].lstrip()
    return data[:16] == SQLITE_MAGIC or (head.startswith(b"<") and (b"<DJ_PLAYLISTS" in head or b"<NML" in head))


def source_path(source, data: bytes) -> Path:
    """A path to read a library from: the source itself, or a temporary copy of uploaded bytes."""
    if isinstance(source, (str, Path)):
        return Path(source).expanduser()
    import tempfile

    suffix = ".sqlite" if data[:16] == SQLITE_MAGIC else ".xml"
    with tempfile.NamedTemporaryFile(prefix="disco-library-", suffix=suffix, delete=False) as fh:
        fh.write(data)
    return Path(fh.name)


def _library(path: Path, display: str, sha: str):
    """(songs, memberships, report) of a DJ library file: its tracks validated like any song table, its
    playlists in play order, every problem of the library in the report."""
    from disco.data.validation import membership_table

    try:
        library = read_library(path)
    finally:
        if path.name.startswith("disco-library-"):  # a temporary copy of an upload
            path.unlink(missing_ok=True)
    frame = library.songs.drop(columns=["key_text"])
    notes = [library.summary()] + library.problems[:MAX_NOTES]
    if len(library.problems) > MAX_NOTES:
        notes.append(f"... and {len(library.problems) - MAX_NOTES:,} more problems")
    songs, _, report = validate(RawTable(frame, notes=notes), display, sha)
    report.schema = library.format
    kept = set(songs["track_id"])
    rows, dropped = [], 0
    for name, ids in library.playlists:
        for track_id in ids:
            if track_id in kept:
                rows.append((name, name, track_id))
            else:
                dropped += 1
    if dropped:
        report.notes.append(f"{dropped:,} playlist entries point at tracks left out above")
    members = pd.DataFrame(rows, columns=["playlist_id", "playlist_name", "track_id"]).assign(genre="", subgenre="")
    before = len(members)
    members = members.drop_duplicates(["playlist_id", "track_id"], keep="first")
    report.duplicate_rows = before - len(members)
    memberships = membership_table(members)
    report.playlists = int(memberships["playlist_id"].nunique()) if len(memberships) else 0
    report.memberships = len(memberships)
    return songs, memberships, report


def load_default_catalog(cache: bool = True) -> Catalog:
    """The TidyTuesday catalog at :func:`config.default_dataset_path`."""
    path = config.default_dataset_path()
    if not path.is_file():
        raise CatalogError(
            f"no song catalog at {path}: run `disco data fetch` to download it, "
            "or set DISCO_DATA_DIR to the folder holding spotify_songs.csv"
        )
    return load_catalog(path, cache=cache)
