"""Small, made-up song tables for tests (never rows of the real data set).

Playlists are random walks in feature space, so order carries signal the way real
playlists do, and genres/subgenres are blocks of playlists.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TIDY_COLUMNS = [
    "track_id", "track_name", "track_artist", "track_popularity", "track_album_id",
    "track_album_name", "track_album_release_date", "playlist_name", "playlist_id",
    "playlist_genre", "playlist_subgenre", "danceability", "energy", "key", "loudness",
    "mode", "speechiness", "acousticness", "instrumentalness", "liveness", "valence",
    "tempo", "duration_ms",
]
GENRES = {"pop": ["dance pop", "indie poptimism"], "rock": ["hard rock", "classic rock"],
          "edm": ["big room", "progressive electro house"]}
_WORDS = ["Night", "Fire", "Blue", "Dance", "Heart", "River", "Gold", "Echo", "Storm", "Light",
          "Dream", "Wild", "Moon", "City", "Road", "Love", "Star", "Rain", "Ghost", "Sun"]


def track_id(i: int) -> str:
    """A 22-character Spotify-like id, unique per integer."""
    return f"T{i:021d}"


def song_features(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Plausible audio features for ``n`` songs (all valid)."""
    return {
        "danceability": rng.uniform(0.2, 0.95, n), "energy": rng.uniform(0.1, 1.0, n),
        "key": rng.integers(0, 12, n), "loudness": rng.uniform(-20, -2, n),
        "mode": rng.integers(0, 2, n), "speechiness": rng.uniform(0.02, 0.4, n),
        "acousticness": rng.beta(0.5, 2, n), "instrumentalness": rng.beta(0.3, 3, n),
        "liveness": rng.uniform(0.03, 0.6, n), "valence": rng.uniform(0.05, 0.95, n),
        "tempo": rng.uniform(70, 180, n), "duration_ms": rng.integers(120_000, 360_000, n),
    }


def tidy_frame(n_songs: int = 240, n_playlists: int = 12, min_len: int = 8, max_len: int = 40,
               seed: int = 0) -> pd.DataFrame:
    """A TidyTuesday-schema table: playlists as contiguous blocks, songs shared between them."""
    rng = np.random.default_rng(seed)
    feats = pd.DataFrame(song_features(rng, n_songs))
    names = [f"{_WORDS[i % 20]} {_WORDS[(i // 20) % 20]} {i}" for i in range(n_songs)]
    artists = [f"Artist {i % max(1, n_songs // 3)}" for i in range(n_songs)]
    genre_list = [(g, s) for g, subs in GENRES.items() for s in subs]
    rows = []
    for p in range(n_playlists):
        genre, sub = genre_list[p % len(genre_list)]
        length = int(rng.integers(min_len, max_len + 1))
        # random walk over songs ordered by energy: neighbours in the list are similar
        order = np.argsort(feats["energy"].to_numpy() + rng.normal(0, 0.05, n_songs))
        start = int(rng.integers(0, n_songs - length))
        chosen = order[start:start + length]
        for i in chosen:
            rows.append({
                "track_id": track_id(int(i)), "track_name": names[i], "track_artist": artists[i],
                "track_popularity": int(rng.integers(0, 100)), "track_album_id": f"A{i:021d}",
                "track_album_name": f"Album {i}", "track_album_release_date": "2019-01-01",
                "playlist_name": f"Playlist {p}", "playlist_id": f"P{p:021d}",
                "playlist_genre": genre, "playlist_subgenre": sub,
                **{k: feats.at[i, k] for k in feats.columns},
            })
    return pd.DataFrame(rows, columns=TIDY_COLUMNS)


def write_tidy_csv(path, **kwargs) -> pd.DataFrame:
    """Write :func:`tidy_frame` to ``path`` and return the frame."""
    frame = tidy_frame(**kwargs)
    frame.to_csv(path, index=False)
    return frame
