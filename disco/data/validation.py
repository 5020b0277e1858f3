"""Validating a raw song table in any known layout: songs, playlists and a report of everything excluded.

Every header goes through one alias table (:mod:`disco.data.columns`). Each row is checked against the
documented plausible ranges (:data:`disco.data.schema.RANGES`); a bad row is excluded and counted under its
first reason, with example row numbers (1 = the first row after the header). Nothing is dropped silently.

Only a track id is required. Audio features a file does not have are missing for its songs (a DJ library has
tempo and key; DISCO's audio analysis measures loudness, energy and danceability): they are never invented, and
the report counts them. A song known only by its Spotify id (no local file) must have every feature column the
file has; a song with a local file may miss some (what audio analysis cannot measure).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from disco.data import schema
from disco.data.columns import R_SCHEMAS, detect_schema, parse_key_mode, resolve_columns
from disco.data.reading import RawTable
from disco.data.refs import track_id_of
from disco.errors import CatalogError

N_EXAMPLES = 5  # example row numbers kept per exclusion reason
OPTIONAL_NUMBERS = ("popularity", "duration_ms", "year")
_R_VECTOR = re.compile(r'^c\((.*)\)$')  # spotifyr writes several artists as c("A", "B")
_FORMULA_ESCAPE = re.compile(r"^'(?=[=+\-@\t\r])")  # how DISCO's CSV export neutralises formulas
_YEAR = re.compile(r"^\s*(\d{4})")


@dataclass
class LoadReport:
    """What a load read, kept and excluded (and why)."""

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
    repeated_track_examples: list[int] = field(default_factory=list)
    blank_songs: int = 0
    features_absent: list[str] = field(default_factory=list)
    features_missing: dict[str, int] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)
    missing_optional: list[str] = field(default_factory=list)
    unknown_text_cells: int = 0
    notes: list[str] = field(default_factory=list)
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
        lines.append(f"rows repeating an earlier track (kept once as a song): {self.repeated_track_rows:,}"
                     + (f" (e.g. rows {', '.join(map(str, self.repeated_track_examples))})"
                        if self.repeated_track_examples else ""))
        if self.blank_songs:
            lines.append(f"songs with neither title nor artist (kept, never offered as candidates): "
                         f"{self.blank_songs:,}")
        if self.unknown_text_cells:
            lines.append(f"text cells marked NA (kept, read as unknown): {self.unknown_text_cells:,}")
        if self.features_absent:
            lines.append("feature columns absent (their songs are ordered without them): "
                         + ", ".join(self.features_absent))
        partial = {k: v for k, v in self.features_missing.items() if k not in self.features_absent}
        if partial:
            lines.append("songs without a feature (kept; never invented): " + ", ".join(
                f"{name} {count:,}" for name, count in partial.items()))
        if self.missing_optional:
            lines.append("optional columns absent: " + ", ".join(self.missing_optional))
        lines += [f"note: {n}" for n in self.notes]
        how = "cache" if self.from_cache else "source"
        lines.append(f"loaded from {how} in {self.seconds:.2f} s")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "LoadReport":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def validate(table: RawTable, source: str, sha256: str, file_playlist: str | None = None):
    """(songs, memberships, report) of a raw table: songs with :data:`schema.SONG_COLUMNS` (row = song index),
    playlist memberships with :data:`schema.MEMBERSHIP_COLUMNS`. CatalogError when a required column is
    missing or no row is usable."""
    raw = table.frame
    headers = [str(c) for c in raw.columns]
    cols = resolve_columns(headers)
    if ("key" not in cols or "mode" not in cols) and "key_mode" in cols:
        parsed = [parse_key_mode(v) for v in raw[cols["key_mode"]].astype(str)]
        raw = raw.copy()
        for j, feat in enumerate(("key", "mode")):
            if feat not in cols:
                raw[f"__{feat}"] = [p[j] for p in parsed]
                cols[feat] = f"__{feat}"
    shown = ", ".join(headers[:30]) + (f" (+{len(headers) - 30} more)" if len(headers) > 30 else "")
    if "track_id" not in cols:
        raise CatalogError(f"{source}: missing required column track_id (a Spotify id, URI or any id of the "
                           f"song); columns found: {shown or '(none)'}")
    if not any(c in cols for c in schema.FEATURES):
        raise CatalogError(f"{source}: missing required columns: no audio feature at all (need key and tempo, or "
                           f"the audio features {', '.join(schema.ABSTRACT_FEATURES)}); columns found: "
                           f"{shown or '(none)'}")
    layout = detect_schema(headers)
    report = LoadReport(source=source, schema=layout, sha256=sha256, rows_read=len(raw) + len(table.bad_lines),
                        columns={k: v for k, v in cols.items() if not v.startswith("__")},
                        notes=list(table.notes))
    report.features_absent = [c for c in schema.FEATURES if c not in cols]
    report.missing_optional = [c for c in ("track_name", "artist", "album", "genre", "subgenre", "popularity",
                                            "duration_ms", "year") if c not in cols]
    df, bad_text = _columns(raw, cols, layout, report, table.decimal_comma)
    reason = _check_rows(df, bad_text, report, table.bad_lines, present=[c for c in schema.FEATURES if c in cols])
    valid = df[reason < 0]
    if valid.empty:
        why = "; ".join(f"{r}: {c:,}" for r, c in report.excluded.items())
        raise CatalogError(f"{source}: no usable song rows: all {report.rows_read:,} rows were excluded ({why})")
    first = ~valid["track_id"].duplicated(keep="first")
    songs = valid[first.to_numpy()]
    report.features_missing = {c: int(n) for c, n in songs[list(schema.FEATURES)].isna().sum().items() if n}
    report.repeated_track_rows = len(valid) - len(songs)
    report.repeated_track_examples = (valid.index[~first.to_numpy()][:N_EXAMPLES] + 1).tolist()
    songs = _song_table(songs)
    report.blank_songs = int(((songs["track_name"] == "") & (songs["artist"] == "")).sum())
    memberships = _memberships(valid, cols, file_playlist, report)
    report.songs_kept = len(songs)
    report.playlists = int(memberships["playlist_id"].nunique()) if len(memberships) else 0
    report.memberships = len(memberships)
    return songs, memberships, report


def _columns(raw: pd.DataFrame, cols: dict, layout: str, report: LoadReport, decimal_comma: bool):
    """The canonical columns as arrays: text cleaned, numbers parsed (NaN when empty); and per numeric
    column, the rows whose cell is text that is not a number."""
    n = len(raw)
    df = pd.DataFrame(index=pd.RangeIndex(n))
    for c in schema.TEXT_COLUMNS + ("playlist_id", "playlist_name"):
        if c not in cols:
            df[c] = ""
            continue
        col = raw[cols[c]]
        col = col.where(col.notna(), "").astype(str).str.strip()
        if layout in R_SCHEMAS and c != "track_id":
            na = col == "NA"
            report.unknown_text_cells += int(na.sum())
            col = col.mask(na, "")
        col = col.str.replace(_FORMULA_ESCAPE, "", regex=True)
        df[c] = col.to_numpy(dtype=object)
    df["track_id"] = df["track_id"].map(track_id_of)
    artist = df["artist"].str.replace(r"\s*;\s*", ", ", regex=True)  # Kaggle's "a;b"
    vectors = artist.str.fullmatch(_R_VECTOR)
    if vectors.any():
        artist[vectors] = artist[vectors].str.replace(_R_VECTOR, r"\1", regex=True).str.findall(
            r'"((?:[^"\\]|\\.)*)"').str.join(", ")
    df["artist"] = artist
    bad_text: dict[str, np.ndarray] = {}
    for c in schema.FEATURES + OPTIONAL_NUMBERS:
        if c not in cols:
            df[c] = np.nan
            continue
        values, bad_text[c] = _numbers(raw[cols[c]], decimal_comma, year=c == "year")
        df[c] = values
    return df, bad_text


def _numbers(column: pd.Series, decimal_comma: bool, year: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(float values with NaN for empty cells, rows whose non-empty cell is not a number)."""
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        values = column.to_numpy(dtype=np.float64, na_value=np.nan)
        return values, np.zeros(len(column), dtype=bool)
    text = column.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)).str.strip()
    empty = text.str.lower().isin(("", "na", "n/a", "nan", "null", "none")).to_numpy()
    if year:
        text = text.str.extract(_YEAR, expand=False).fillna(text)
    if decimal_comma:
        text = text.str.replace(r"^(-?\d+),(\d+(?:[eE][-+]?\d+)?)$", r"\1.\2", regex=True)
    values = pd.to_numeric(text.where(~empty, ""), errors="coerce").to_numpy(dtype=np.float64)
    return values, np.isnan(values) & ~empty


def _check_rows(df: pd.DataFrame, bad_text: dict, report: LoadReport, bad_lines: list[int],
                present=()) -> np.ndarray:
    """Per row, the index of its first failing reason (-1 = kept); fills the report's exclusions."""
    n = len(df)
    reason = np.full(n, -1, dtype=np.int32)
    reasons: list[str] = []

    def check(bad: np.ndarray, text: str) -> None:
        new = bad & (reason < 0)
        if new.any():
            if text not in reasons:
                reasons.append(text)
            reason[new] = reasons.index(text)

    check((df["track_id"] == "").to_numpy(), "no track id")
    for c in schema.FEATURES + OPTIONAL_NUMBERS:
        if c in bad_text:
            check(bad_text[c], f"{c} is not a number")
    no_file = (df["path"] == "").to_numpy()
    for c in schema.FEATURES:
        if c in present:  # a column the file has: a Spotify-known song must fill it
            check(np.isnan(df[c].to_numpy()) & no_file, f"{c} missing")
    for c in schema.FEATURES + OPTIONAL_NUMBERS:
        v = df[c].to_numpy()
        check(np.isinf(v), f"{c} is not finite")
        low, high, unit = schema.RANGES[c]
        with np.errstate(invalid="ignore"):
            check((v < low) | (v > high), f"{c} outside {low:g}..{high:g}{unit}")
        if c in schema.INTEGER_COLUMNS:
            check((v != np.round(v)) & np.isfinite(v), f"{c} is not a whole number")
    rows = np.arange(1, n + 1)
    for code, text in enumerate(reasons):
        hit = reason == code
        report.excluded[text] = int(hit.sum())
        report.examples[text] = rows[hit][:N_EXAMPLES].tolist()
    if bad_lines:  # lines pandas could not split into the header's fields (never parsed)
        text = "wrong number of fields"
        report.excluded[text] = len(bad_lines)
        report.examples[text] = bad_lines[:N_EXAMPLES]
    report.rows_excluded = sum(report.excluded.values())
    return reason


def _song_table(df: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({c: df[c].to_numpy() for c in schema.SONG_COLUMNS})
    for c in schema.TEXT_COLUMNS:
        out[c] = out[c].astype(str)
    for c in schema.ABSTRACT_FEATURES + ("tempo",) + OPTIONAL_NUMBERS:
        out[c] = out[c].astype(np.float64)
    out["key"] = out["key"].fillna(-1).astype(np.int64)  # no key detected
    out["mode"] = out["mode"].fillna(1).astype(np.int64)  # irrelevant without a key
    return out


def _memberships(valid: pd.DataFrame, cols: dict, file_playlist: str | None, report: LoadReport) -> pd.DataFrame:
    """Playlists in file order; a track's first occurrence in a playlist fixes its place."""
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
    return membership_table(members)


def membership_table(df: pd.DataFrame) -> pd.DataFrame:
    """Rows with playlist_id, playlist_name, track_id, genre, subgenre in playlist order -> the canonical
    memberships (a playlist keeps the first name it appeared under; positions from 0)."""
    if df.empty:
        out = pd.DataFrame({c: pd.Series([], dtype=str) for c in schema.MEMBERSHIP_COLUMNS})
        out["position"] = out["position"].astype(np.int64)
        return out
    order = pd.factorize(df["playlist_id"])[0]
    df = df.iloc[np.argsort(order, kind="stable")]
    first_name = df.groupby("playlist_id", sort=False)["playlist_name"].transform("first")
    out = pd.DataFrame({
        "playlist_id": df["playlist_id"].to_numpy(),
        "playlist_name": first_name.to_numpy(),
        "position": df.groupby("playlist_id", sort=False).cumcount().to_numpy().astype(np.int64),
        "track_id": df["track_id"].to_numpy(),
        "genre": df["genre"].to_numpy(),
        "subgenre": df["subgenre"].to_numpy(),
    })
    for c in ("playlist_id", "playlist_name", "track_id", "genre", "subgenre"):
        out[c] = out[c].astype(str)
    return out
