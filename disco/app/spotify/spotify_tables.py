"""The Spotify section's tables: an imported playlist's tracks and skipped entries, and the catalog with the
playlist merged in (pure pandas, no Streamlit widgets)."""

from __future__ import annotations

import io

import pandas as pd

from disco.spotify.importer import PLAYLIST_COLUMNS, SpotifyImport

SOURCE_LABELS = {"spotify": "Spotify", "catalog_id": "catalog (same track id)",
                 "catalog_name": "catalog (artist + title)", "missing": "⚠ missing"}


def import_table(result: SpotifyImport) -> pd.DataFrame:
    """The imported tracks in playlist order: #, artist, title, where the features came from, BPM, energy."""
    f = result.frame
    return pd.DataFrame({
        "#": range(1, len(f) + 1),
        "artist": f["artist"].to_numpy(dtype=object),
        "title": f["track_name"].to_numpy(dtype=object),
        "features from": [SOURCE_LABELS[s] for s in result.sources],
        "BPM": f["tempo"].to_numpy(dtype=float),
        "energy": f["energy"].to_numpy(dtype=float),
        "track id": f["track_id"].to_numpy(dtype=object),
    })


def skipped_table(result: SpotifyImport) -> pd.DataFrame:
    """Playlist entries not imported: position in the Spotify playlist (1-based), why, what they were."""
    return pd.DataFrame({"position": [s.position + 1 for s in result.skipped],
                         "reason": [s.reason for s in result.skipped],
                         "artist": [s.artist for s in result.skipped],
                         "title": [s.track_name for s in result.skipped]})


def merged_table(catalog, result: SpotifyImport) -> pd.DataFrame:
    """The catalog's rows (one per playlist membership, then songs in no playlist) followed by the imported
    tracks that have features, in the canonical schema (:data:`PLAYLIST_COLUMNS`): what the catalog loader
    reads back as the catalog plus the imported playlist."""
    cols = list(PLAYLIST_COLUMNS)
    parts = []
    if catalog is not None and len(catalog):
        songs, members = catalog.songs, catalog.memberships
        if len(members):
            feats = songs.drop(columns=["genre", "subgenre"]).set_index("track_id")
            parts.append(members[["playlist_id", "playlist_name", "track_id", "genre", "subgenre"]]
                         .join(feats, on="track_id"))
            songs = songs[~songs["track_id"].isin(members["track_id"])]
        parts.append(songs.assign(playlist_id="", playlist_name=""))
    parts.append(result.with_features())
    out = pd.concat([p[cols] for p in parts], ignore_index=True)
    for c in ("key", "mode"):
        out[c] = out[c].astype("int64")
    return out


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as Parquet file bytes (the form an uploaded song file has)."""
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    return buf.getvalue()
