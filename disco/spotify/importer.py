"""Import a Spotify playlist as canonical catalog rows, with features from Spotify or the catalog.

Spotify closed audio features to new apps on 2024-11-27, so features usually come from the
local catalog: first by track id, then by normalised artist + title. Every track says where its
features came from; tracks without features and entries that are not playable tracks (removed
tracks, local files, episodes, repeats) are listed, never dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from disco.data import schema
from disco.data.identity import normalize_name
from disco.errors import DiscoError
from disco.spotify.client import FEATURES_GONE, SpotifyClient

SOURCES = ("spotify", "catalog_id", "catalog_name", "missing")
PLAYLIST_COLUMNS = schema.SONG_COLUMNS + ("playlist_id", "playlist_name")
_TEXT = ("track_id", "track_name", "artist", "album", "genre", "subgenre", "playlist_id", "playlist_name")

@dataclass(frozen=True)
class Skipped:
    """A playlist entry that is not imported as a song."""

    position: int  # 0-based position in the Spotify playlist
    reason: str  # "unavailable" | "local file" | "episode" | "duplicate" | "no id"
    track_name: str = ""
    artist: str = ""
    track_id: str = ""


@dataclass
class SpotifyImport:
    """The result of importing a playlist.

    ``frame``: one row per imported track in playlist order, columns ``PLAYLIST_COLUMNS``
    (features NaN where missing); ``sources[i]`` says where row i's features came from
    (one of ``SOURCES``); ``missing``: tracks without features (``position`` = 0-based place in
    the Spotify playlist); ``skipped``: entries not imported.
    """

    playlist_id: str
    playlist_name: str
    frame: pd.DataFrame
    sources: list[str]
    warnings: list[str] = field(default_factory=list)
    missing: list[dict] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def with_features(self) -> pd.DataFrame:
        """The rows that have all features (key/mode as int): what a catalog can load."""
        keep = np.asarray(self.sources) != "missing"
        out = self.frame.loc[keep].reset_index(drop=True)
        for col in ("key", "mode"):
            out[col] = out[col].astype("int64")
        return out

    def source_counts(self) -> dict[str, int]:
        return {s: int(sum(1 for x in self.sources if x == s)) for s in SOURCES}

    def summary(self) -> str:
        """One line: how many tracks, where features came from, what was left out."""
        c = self.source_counts()
        parts = [f"{len(self.frame)} tracks from '{self.playlist_name}'",
                 f"features: {c['spotify']} from Spotify, {c['catalog_id']} catalog by id, "
                 f"{c['catalog_name']} catalog by artist+title, {c['missing']} missing"]
        if self.skipped:
            reasons: dict[str, int] = {}
            for s in self.skipped:
                reasons[s.reason] = reasons.get(s.reason, 0) + 1
            parts.append("skipped: " + ", ".join(f"{n} {r}" for r, n in reasons.items()))
        return "; ".join(parts)


# --------------------------------------------------------------------------- parsing entries
def _entry_track(entry: dict) -> dict | None:
    # Since 2026 entries hold the track under "item"; older answers under "track".
    if not isinstance(entry, dict):
        return None
    track = entry.get("item")
    return track if track is not None else entry.get("track")


def _artists(track: dict) -> list[str]:
    return [str(a.get("name") or "") for a in (track.get("artists") or []) if isinstance(a, dict)]


def track_rows(items: list[dict]) -> tuple[list[dict], list[Skipped]]:
    """Playable tracks (id, name, artists, album, popularity, duration) and the entries skipped."""
    rows: list[dict] = []
    skipped: list[Skipped] = []
    seen: set[str] = set()
    for pos, entry in enumerate(items):
        track = _entry_track(entry)
        if track is None:
            skipped.append(Skipped(pos, "unavailable"))
            continue
        artists = _artists(track)
        name, artist = str(track.get("name") or ""), (artists[0] if artists else "")
        tid = track.get("id")
        if (entry or {}).get("is_local") or track.get("is_local"):
            skipped.append(Skipped(pos, "local file", name, artist))
        elif track.get("type", "track") != "track":
            skipped.append(Skipped(pos, str(track.get("type")), name, artist, str(tid or "")))
        elif not tid:
            skipped.append(Skipped(pos, "unavailable", name, artist))
        elif tid in seen:
            skipped.append(Skipped(pos, "duplicate", name, artist, tid))
        else:
            seen.add(tid)
            album = track.get("album") or {}
            rows.append({"position": pos, "track_id": str(tid), "track_name": name, "artist": artist,
                         "artists": artists, "album": str(album.get("name") or ""),
                         "popularity": track.get("popularity"),
                         "duration_ms": track.get("duration_ms")})
    return rows, skipped


# --------------------------------------------------------------------------- catalog fill
def _catalog_songs(catalog: Any) -> pd.DataFrame | None:
    if catalog is None:
        return None
    songs = getattr(catalog, "songs", catalog)
    if not isinstance(songs, pd.DataFrame):
        raise TypeError(f"catalog must be a Catalog or a DataFrame, not {type(catalog).__name__}")
    return songs


class CatalogMatcher:
    """Finds a catalog row for a track: by id, else by normalised (artist, title).

    Build once and pass it as ``catalog`` to reuse its indexes across imports. Only artists are
    normalised up front (fewer than songs); titles only for the artists asked about.
    """

    def __init__(self, songs: pd.DataFrame):
        self.songs = songs
        ids = songs["track_id"].astype(str).to_numpy()
        self._by_id = {t: i for i, t in reversed(list(enumerate(ids)))}  # first occurrence wins
        self._by_artist: dict[str, list[int]] | None = None
        self._titles: dict[int, str] = {}

    def _artists(self) -> dict[str, list[int]]:
        if self._by_artist is None:
            # Most popular version first when a title exists several times (single, album, ...).
            pop = pd.to_numeric(self.songs["popularity"], errors="coerce") \
                if "popularity" in self.songs else pd.Series(0.0, index=self.songs.index)
            order = np.argsort(-pop.fillna(-1).to_numpy(), kind="stable")
            raw = self.songs["artist"].to_numpy(dtype=object)
            norm = {a: normalize_name(a) for a in pd.unique(raw)}
            index: dict[str, list[int]] = {}
            for i in order:
                index.setdefault(norm[raw[i]], []).append(int(i))
            self._by_artist = index
        return self._by_artist

    def by_id(self, track_id: str) -> int | None:
        return self._by_id.get(track_id)

    def by_name(self, artists: list[str], title: str) -> int | None:
        want = normalize_name(title)
        titles = self.songs["track_name"]
        for artist in artists or [""]:
            for i in self._artists().get(normalize_name(artist), ()):
                if i not in self._titles:
                    self._titles[i] = normalize_name(titles.iat[i])
                if self._titles[i] == want:
                    return i
        return None


def build_import(playlist_id: str, playlist_name: str, items: list[dict],
                 spotify_features: dict[str, dict] | None, catalog: Any = None,
                 features_refused: bool = False) -> SpotifyImport:
    """Assemble a :class:`SpotifyImport` from raw playlist entries (no network).

    ``spotify_features`` maps track id -> Spotify audio-features object (None when Spotify
    refused); the rest is filled from ``catalog`` (a Catalog, its songs DataFrame or a
    :class:`CatalogMatcher`).
    """
    rows, skipped = track_rows(items)
    warns: list[str] = []
    if isinstance(catalog, CatalogMatcher):
        matcher, songs = catalog, catalog.songs
    else:
        songs = _catalog_songs(catalog)
        matcher = CatalogMatcher(songs) if songs is not None and len(songs) else None
    feats = spotify_features or {}
    n = len(rows)
    values = {f: np.full(n, np.nan) for f in schema.FEATURES}
    genre, subgenre = [""] * n, [""] * n
    sources: list[str] = []
    for i, row in enumerate(rows):
        hit, source = None, "missing"
        if matcher is not None:
            hit = matcher.by_id(row["track_id"])
            source = "catalog_id" if hit is not None else "missing"
            if hit is None:
                hit = matcher.by_name(row["artists"], row["track_name"])
                source = "catalog_name" if hit is not None else "missing"
        if hit is not None:
            genre[i] = _text(songs.iloc[hit].get("genre"))
            subgenre[i] = _text(songs.iloc[hit].get("subgenre"))
        spot = feats.get(row["track_id"])
        if spot is not None and all(_finite(spot.get(f)) for f in schema.FEATURES):
            for f in schema.FEATURES:
                values[f][i] = float(spot[f])
            source = "spotify"
        elif hit is not None:
            for f in schema.FEATURES:
                values[f][i] = float(songs.iloc[hit][f])
        sources.append(source)

    frame = pd.DataFrame({
        "track_id": [r["track_id"] for r in rows],
        "track_name": [r["track_name"] for r in rows],
        "artist": [r["artist"] for r in rows],
        "album": [r["album"] for r in rows],
        "genre": genre, "subgenre": subgenre,
        "popularity": pd.to_numeric(pd.Series([r["popularity"] for r in rows], dtype=object),
                                    errors="coerce").astype("float64"),
        "duration_ms": pd.to_numeric(pd.Series([r["duration_ms"] for r in rows], dtype=object),
                                     errors="coerce").astype("float64"),
        **values,
        "playlist_id": [playlist_id] * n, "playlist_name": [playlist_name] * n,
    }, columns=list(PLAYLIST_COLUMNS))
    for col in _TEXT:
        frame[col] = frame[col].astype(str)
    for f in schema.FEATURES:
        frame[f] = frame[f].astype("float64")

    counts = {s: sources.count(s) for s in SOURCES}
    from_catalog = counts["catalog_id"] + counts["catalog_name"]
    if features_refused:
        warns.append(f"{FEATURES_GONE}; DISCO took features from the local catalog instead: "
                     f"{counts['catalog_id']} by track id, {counts['catalog_name']} by artist + "
                     f"title; {counts['missing']} of {n} tracks have none")
    elif from_catalog and n:
        warns.append(f"Spotify had no audio features for {from_catalog + counts['missing']} "
                     f"tracks; {from_catalog} were taken from the local catalog")
    if matcher is None and counts["missing"]:
        warns.append("no local catalog to take features from: run `python -m disco data fetch` "
                     "or pass a song file")
    missing = [{"position": r["position"], "track_id": r["track_id"], "track_name": r["track_name"],
                "artist": r["artist"]} for i, r in enumerate(rows) if sources[i] == "missing"]
    if missing:
        warns.append(f"{len(missing)} tracks have no audio features (listed in .missing); they "
                     "cannot be placed by flow")
    if skipped:
        warns.append(f"{len(skipped)} playlist entries were not imported (listed in .skipped): "
                     + ", ".join(sorted({s.reason for s in skipped})))
    return SpotifyImport(playlist_id, playlist_name, frame, sources, warns, missing, skipped)


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def _finite(value: object) -> bool:
    try:
        return bool(np.isfinite(float(value)))
    except (TypeError, ValueError):
        return False


# --------------------------------------------------------------------------- entry point
def import_playlist(ref: str, *, client: SpotifyClient | None = None, catalog: Any = None,
                    use_default_catalog: bool = True, spotify_features: bool = True,
                    progress: bool = False) -> SpotifyImport:
    """Import a Spotify playlist (URL, URI or id) with features for as many tracks as possible.

    ``client``: an injected :class:`SpotifyClient` (default: app credentials from the
    environment / Streamlit secrets). ``catalog``: a Catalog or songs DataFrame to fill features
    from; when None and ``use_default_catalog``, the default catalog is loaded if present.
    """
    client = client or SpotifyClient.from_credentials()
    playlist = client.playlist_items(ref, progress=progress)
    rows, _ = track_rows(playlist.items)
    extra: list[str] = []
    if catalog is None and use_default_catalog:
        catalog, note = _default_catalog()
        if note:
            extra.append(note)
    found = client.audio_features([r["track_id"] for r in rows]) if spotify_features and rows else {}
    result = build_import(playlist.playlist_id, playlist.name, playlist.items, found, catalog,
                          features_refused=found is None)
    result.warnings[:0] = extra
    return result


def _default_catalog() -> tuple[Any, str]:
    try:
        from disco.data.catalog import load_default_catalog
    except ImportError:
        return None, "the local catalog module is unavailable: features cannot be filled"
    try:
        return load_default_catalog(), ""
    except (DiscoError, OSError) as exc:
        return None, f"no local catalog ({exc}): features cannot be filled from it"


def search_tracks(query: str, *, client: SpotifyClient | None = None, limit: int = 10) -> pd.DataFrame:
    """Spotify search results as a frame: track_id, track_name, artist, album, popularity, duration_ms."""
    client = client or SpotifyClient.from_credentials()
    tracks = client.search_tracks(query, limit=limit)
    rows, _ = track_rows([{"track": t} for t in tracks])
    cols = ["track_id", "track_name", "artist", "album", "popularity", "duration_ms"]
    return pd.DataFrame([{c: r[c] for c in cols} for r in rows], columns=cols)
