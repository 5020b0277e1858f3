"""The song catalog: load, validate and index song tables (CSV or Parquet) in the layouts people have.

>>> cat = load_catalog("spotify_songs.csv")       # doctest: +SKIP
>>> print(cat.report.summary())                   # doctest: +SKIP

Every header goes through one alias table (:mod:`disco.catalog_schema`), so TidyTuesday,
spotifyr, Exportify and Kaggle "Spotify Tracks" files load into the same schema. Rows with an
invalid feature are excluded and counted in :class:`LoadReport`, never silently dropped.
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Iterable

import numpy as np
import pandas as pd

from disco import config
from disco.data import cache as catalog_cache
from disco.data import identity, schema
from disco.data.columns import (
    R_SCHEMAS, REQUIRED, TEXT_COLUMNS, detect_schema, parse_key_mode, resolve_columns,
)
from disco.data.refs import track_id_of
from disco.errors import CatalogError

N_EXAMPLES = 5  # example row numbers kept per exclusion reason

_BAD_LINE = re.compile(r"[Ll]ine (\d+)")


@dataclass
class LoadReport:
    """What a load read, kept and excluded (and why). Row numbers are 1-based data rows (1 = first row
    after the header)."""

    source: str
    schema: str = "generic"
    sha256: str = ""
    rows_read: int = 0
    songs_kept: int = 0
    playlists: int = 0
    memberships: int = 0
    rows_excluded: int = 0
    excluded: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[int]] = field(default_factory=dict)
    duplicate_rows: int = 0
    repeated_track_rows: int = 0
    columns: dict[str, str] = field(default_factory=dict)
    missing_optional: list[str] = field(default_factory=list)
    unknown_text_cells: int = 0
    from_cache: bool = False
    seconds: float = 0.0

    def summary(self) -> str:
        """Human-readable, multi-line account of the load."""
        lines = [
            f"source: {self.source}",
            f"layout: {self.schema}    sha256: {self.sha256}",
            f"rows read: {self.rows_read:,}",
            f"songs kept: {self.songs_kept:,} (unique tracks)",
            f"playlists: {self.playlists:,} ({self.memberships:,} playlist entries)",
            f"rows excluded: {self.rows_excluded:,}",
        ]
        for reason, count in sorted(self.excluded.items(), key=lambda kv: -kv[1]):
            rows = ", ".join(str(r) for r in self.examples.get(reason, []))
            lines.append(f"  - {reason}: {count:,} rows (e.g. rows {rows})" if rows else f"  - {reason}: {count:,}")
        if self.playlists:
            lines.append(f"duplicate (playlist, track) rows merged: {self.duplicate_rows:,}")
        lines.append(f"rows repeating an earlier track (kept once as a song): {self.repeated_track_rows:,}")
        if self.unknown_text_cells:
            lines.append(f"text cells marked NA (kept, read as unknown): {self.unknown_text_cells:,}")
        if self.missing_optional:
            lines.append("optional columns absent: " + ", ".join(self.missing_optional))
        how = "cache" if self.from_cache else "source"
        lines.append(f"loaded from {how} in {self.seconds:.2f} s")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "LoadReport":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


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
        cat = _build(df, source=source, sha256=digest.hexdigest(), file_playlist=file_playlist)
        cat.report.seconds = time.perf_counter() - started
        return cat

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

    def label(self, i: int) -> str:
        """``"artist - title"`` of song ``i`` (the track id when both are unknown)."""
        row = self.songs.iloc[int(i)]
        return _label(row["artist"], row["track_name"], row["track_id"])

    def labels(self) -> list[str]:
        """:meth:`label` of every song, in song order."""
        s = self.songs
        return [_label(a, t, i) for a, t, i in zip(s["artist"], s["track_name"], s["track_id"])]

    def search(self, query: str, limit: int = 10) -> pd.DataFrame:
        """Best matches of ``query`` over "artist - title" (see :mod:`disco.data.text_search`)."""
        if self._search is None:
            from disco.data.text_search import SongSearch

            self._search = SongSearch(self.songs["artist"], self.songs["track_name"])
            # object arrays: taking a few rows from them is much cheaper than from Arrow-backed columns
            self._text = {c: self.songs[c].to_numpy(dtype=object) for c in ("track_id", "artist", "track_name", "genre")}
        hits = self._search.search(query, limit=limit)
        idx = hits["index"].to_numpy()
        cols = {c: v[idx] for c, v in self._text.items()}
        cols["label"] = [_label(a, t, i) for a, t, i in zip(cols["artist"], cols["track_name"], cols["track_id"])]
        cols["score"] = hits["score"].to_numpy()
        return pd.DataFrame({"index": idx, **{c: cols[c] for c in
                             ("track_id", "artist", "track_name", "genre", "label", "score")}})


def _label(artist: str, title: str, track_id: str) -> str:
    if artist and title:
        return f"{artist} - {title}"
    return artist or title or track_id


# -- loading ----------------------------------------------------------------------------------------------------
def load_catalog(path_or_buffer: str | Path | BinaryIO | bytes, name: str | None = None,
                 cache: bool = True) -> Catalog:
    """Load a song table (CSV or Parquet) from a path, an open binary file or bytes.

    ``name`` is used in messages (and as the playlist name of a single-playlist export) for buffers.
    With ``cache``, a Parquet copy keyed by the source's sha256 makes the next load fast.
    """
    started = time.perf_counter()
    data, display = _read_source(path_or_buffer, name)
    sha = hashlib.sha256(data).hexdigest()
    stem = Path(display).stem or display
    if cache:
        hit = catalog_cache.load(sha)
        if hit is not None:
            songs, members, report_dict = hit
            report = LoadReport.from_dict(report_dict)
            report.source, report.from_cache = display, True
            if report_dict.get("file_playlist") and len(members):
                members = members.assign(playlist_id=f"file:{stem}", playlist_name=stem)
            report.seconds = time.perf_counter() - started
            return Catalog(songs, members, report)
    frame = _parse(data, display)
    cat = _build(frame, source=display, sha256=sha, file_playlist=stem)
    if cache:
        extra = {"file_playlist": bool(cat.playlists) and "playlist_id" not in cat.report.columns}
        catalog_cache.save(sha, cat.songs, cat.memberships, {**cat.report.to_dict(), **extra})
    cat.report.seconds = time.perf_counter() - started
    return cat


def load_default_catalog(cache: bool = True) -> Catalog:
    """The TidyTuesday catalog at :func:`config.default_dataset_path`."""
    path = config.default_dataset_path()
    if not path.is_file():
        raise CatalogError(
            f"no song catalog at {path}: run `python -m disco data fetch` to download it, "
            "or set DISCO_DATA_DIR to the folder holding spotify_songs.csv"
        )
    return load_catalog(path, cache=cache)


def _read_source(src: Any, name: str | None) -> tuple[bytes, str]:
    if isinstance(src, (bytes, bytearray, memoryview)):
        return bytes(src), name or "uploaded data"
    if isinstance(src, (str, Path)):
        path = Path(src).expanduser()
        if path.is_dir():
            raise CatalogError(f"{path} is a folder, not a song file (CSV or Parquet)")
        try:
            return path.read_bytes(), name or str(path)
        except FileNotFoundError:
            raise CatalogError(f"song file not found: {path}") from None
        except OSError as exc:
            raise CatalogError(f"cannot read {path}: {exc.strerror or exc}") from None
    display = name or str(getattr(src, "name", "uploaded data"))
    if hasattr(src, "getvalue"):
        return bytes(src.getvalue()), display
    if hasattr(src, "read"):
        data = src.read()
        if isinstance(data, str):
            data = data.encode("utf-8")
        return bytes(data), display
    raise CatalogError(f"cannot read songs from a {type(src).__name__}: give a file path or an open file")


def _parse(data: bytes, display: str) -> pd.DataFrame:
    """Bytes -> raw table (text cells as str, nothing converted yet)."""
    if not data.strip():
        raise CatalogError(f"{display} is empty: expected a CSV of songs with a header row")
    if data[:4] == b"PAR1":
        try:
            return pd.read_parquet(io.BytesIO(data))
        except Exception as exc:  # pyarrow raises many types on corrupt files
            raise CatalogError(f"{display} looks like Parquet but cannot be read: {exc}") from None
    if data[:4] == b"PK\x03\x04":
        raise CatalogError(f"{display} is a ZIP archive or an Excel workbook, not a CSV: unzip it or save it as CSV")
    if b"\x00" in data[:8192]:
        raise CatalogError(f"{display} is a binary file, not a CSV or Parquet song table")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    header = text.split("\n", 1)[0]
    sep = max((",", ";", "\t", "|"), key=header.count)
    bad: list[int] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                                na_values=[], on_bad_lines="warn", skip_blank_lines=True)
        for w in caught:
            bad += [int(n) for n in _BAD_LINE.findall(str(w.message))]
    except pd.errors.EmptyDataError:
        raise CatalogError(f"{display} is empty: expected a CSV of songs with a header row") from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise CatalogError(f"{display} is not a readable CSV: {str(exc).strip().splitlines()[0]}") from None
    if frame.empty:
        raise CatalogError(f"{display} has a header but no song rows")
    frame.attrs["bad_lines"] = bad
    return frame


def _build(raw: pd.DataFrame, source: str, sha256: str, file_playlist: str | None) -> Catalog:
    """Validate a raw table in any known layout and build the catalog."""
    headers = [str(c) for c in raw.columns]
    cols = resolve_columns(headers)
    if ("key" not in cols or "mode" not in cols) and "key_mode" in cols:
        parsed = [parse_key_mode(v) for v in raw[cols["key_mode"]].astype(str)]
        raw = raw.copy()
        for j, feat in enumerate(("key", "mode")):
            if feat not in cols:
                raw[f"__{feat}"] = [p[j] for p in parsed]
                cols[feat] = f"__{feat}"
    missing = [c for c in REQUIRED if c not in cols]
    if missing:
        raise CatalogError(
            f"{source}: missing required column(s) {', '.join(missing)}; "
            f"columns found: {', '.join(headers) if headers else '(none)'}"
        )
    layout = detect_schema(headers)
    report = LoadReport(source=source, schema=layout, sha256=sha256, rows_read=len(raw),
                        columns={k: v for k, v in cols.items() if not v.startswith("__")})
    report.missing_optional = [c for c in ("track_name", "artist", "album", "genre", "subgenre",
                                            "popularity", "duration_ms") if c not in cols]
    n = len(raw)

    # text columns: str, "" when unknown; files written from R say "NA" for unknown
    df = pd.DataFrame(index=pd.RangeIndex(n))
    for c in TEXT_COLUMNS + ("playlist_id", "playlist_name"):
        if c in cols:
            col = raw[cols[c]]
            col = col.where(col.notna(), "").astype(str).str.strip()
            if layout in R_SCHEMAS and c != "track_id":
                na = col == "NA"
                report.unknown_text_cells += int(na.sum())
                col = col.mask(na, "")
            df[c] = col.to_numpy(dtype=object)
        else:
            df[c] = ""
    df["track_id"] = df["track_id"].map(track_id_of)
    df["artist"] = df["artist"].str.replace(r"\s*;\s*", ", ", regex=True)  # Kaggle's "a;b"
    for c in schema.FEATURES + ("popularity", "duration_ms"):
        if c in cols:
            df[c] = pd.to_numeric(raw[cols[c]], errors="coerce").to_numpy(dtype=float)
        else:
            df[c] = np.nan

    # validation: each row counted once, under its first failing reason
    reason = np.full(n, -1, dtype=np.int16)
    reasons: list[str] = []

    def check(bad: np.ndarray, text: str) -> None:
        new = bad & (reason < 0)
        if new.any():
            reasons.append(text)
            reason[new] = len(reasons) - 1

    check((df["track_id"] == "").to_numpy(), "no track id")
    for f in schema.FEATURES:
        check(np.isnan(df[f].to_numpy()), f"{f} missing or not a number")
    for f in schema.BOUNDED_FEATURES:
        v = df[f].to_numpy()
        check((v < 0) | (v > 1), f"{f} outside 0..1")
    check(~np.isfinite(df["loudness"].to_numpy()), "loudness not finite")
    key = df["key"].to_numpy()
    check((key < -1) | (key > 11) | (key != np.round(key)), "key not an integer in -1..11")
    mode = df["mode"].to_numpy()
    check((mode != 0) & (mode != 1), "mode not 0 or 1")
    tempo = df["tempo"].to_numpy()
    check(~(tempo > 0) | ~np.isfinite(tempo), "tempo not > 0")
    bad_lines = raw.attrs.get("bad_lines", [])
    if bad_lines:  # lines pandas could not split into the header's fields (never parsed)
        reasons.append("wrong number of fields (line numbers)")
        report.rows_read += len(bad_lines)
    rows = np.arange(1, n + 1)
    for code, text in enumerate(reasons):
        hit = reason == code
        if text.startswith("wrong number of fields"):
            report.excluded[text] = len(bad_lines)
            report.examples[text] = bad_lines[:N_EXAMPLES]
        else:
            report.excluded[text] = int(hit.sum())
            report.examples[text] = rows[hit][:N_EXAMPLES].tolist()
    report.rows_excluded = sum(report.excluded.values())

    valid = df[reason < 0]
    if valid.empty:
        why = "; ".join(f"{r}: {c:,}" for r, c in report.excluded.items())
        raise CatalogError(f"{source}: no usable song rows: all {report.rows_read:,} rows were excluded ({why})")
    songs = valid.drop_duplicates("track_id", keep="first")
    report.repeated_track_rows = len(valid) - len(songs)
    songs = _song_table(songs)

    # playlists: file order is playlist order; a track's first occurrence in a playlist fixes its place
    has_playlist_col = "playlist_id" in cols or "playlist_name" in cols
    members = valid
    if not has_playlist_col:
        if "added_at" in cols and file_playlist:  # one exported playlist: the file is the playlist
            members = valid.assign(playlist_id=f"file:{file_playlist}", playlist_name=file_playlist)
        else:
            members = valid.iloc[:0]
    elif "playlist_id" not in cols:
        members = valid.assign(playlist_id=valid["playlist_name"])
    members = members[members["playlist_id"] != ""]
    before = len(members)
    members = members.drop_duplicates(["playlist_id", "track_id"], keep="first")
    report.duplicate_rows = before - len(members)
    memberships = _membership_table(members)

    report.songs_kept = len(songs)
    report.playlists = int(memberships["playlist_id"].nunique()) if len(memberships) else 0
    report.memberships = len(memberships)
    return Catalog(songs, memberships, report)


def _song_table(df: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({c: df[c].to_numpy() for c in schema.SONG_COLUMNS})
    for c in ("track_id", "track_name", "artist", "album", "genre", "subgenre"):
        out[c] = out[c].astype(str)
    for c in schema.ABSTRACT_FEATURES + ("tempo", "popularity", "duration_ms"):
        out[c] = out[c].astype(np.float64)
    out["key"] = out["key"].astype(np.int64)
    out["mode"] = out["mode"].astype(np.int64)
    return out


def _membership_table(df: pd.DataFrame) -> pd.DataFrame:
    if df.empty:
        out = pd.DataFrame({c: pd.Series([], dtype=str) for c in schema.MEMBERSHIP_COLUMNS})
        out["position"] = out["position"].astype(np.int64)
        return out
    order = pd.factorize(df["playlist_id"])[0]
    df = df.iloc[np.argsort(order, kind="stable")]
    pid = df["playlist_id"]
    # a playlist keeps the first name it appeared under
    first_name = df.groupby("playlist_id", sort=False)["playlist_name"].transform("first")
    out = pd.DataFrame({
        "playlist_id": pid.to_numpy(),
        "playlist_name": first_name.to_numpy(),
        "position": df.groupby("playlist_id", sort=False).cumcount().to_numpy().astype(np.int64),
        "track_id": df["track_id"].to_numpy(),
        "genre": df["genre"].to_numpy(),
        "subgenre": df["subgenre"].to_numpy(),
    })
    for c in ("playlist_id", "playlist_name", "track_id", "genre", "subgenre"):
        out[c] = out[c].astype(str)
    return out
