"""The Reorder page's songs: pasted Spotify ids or an uploaded file, and how an order compares before/after."""

from __future__ import annotations

import re

import numpy as np
import streamlit as st

from disco.app import loaders
from disco.data.refs import parse_track_ref
from disco.engine.playlist import Playlist
from disco.engine.service import Disco, TrackList
from disco.theory.keys import camelot_compatible
from disco.theory.tempo import tempo_compatible

INPUT_KEY = "reorder_input"  # the radio choosing how songs are given
IDS_KEY = "reorder_ids"  # the pasted ids' text area
FILE_KEY = "reorder_file"
PASTE = "Paste track ids or links"
UPLOAD = "Upload a song file"
PASTE_HELP = ("One per line (or separated by commas/spaces): Spotify track ids, `spotify:track:...` URIs or "
              "`https://open.spotify.com/track/...` links of songs in the loaded catalog.")
SHOWN = 5  # ids named in a warning


def read_pasted_ids(text: str) -> list[str]:
    """Entries of pasted text: one per line, or separated by commas, semicolons or spaces."""
    return [t for t in re.split(r"[\s,;]+", text or "") if t]


def listed(items: list[str]) -> str:
    """The first few items, and how many more."""
    more = f" (and {len(items) - SHOWN} more)" if len(items) > SHOWN else ""
    return ", ".join(items[:SHOWN]) + more


def song_input(disco: Disco) -> tuple[TrackList | None, str | None]:
    """The user's songs and their content key, or (None, None) while there is nothing to reorder."""
    how = st.radio("Your songs", [PASTE, UPLOAD], horizontal=True, key=INPUT_KEY)
    if how == PASTE:
        tokens = read_pasted_ids(st.text_area("Track ids / URIs / links", key=IDS_KEY, height=180, help=PASTE_HELP))
        bad = [t for t in tokens if parse_track_ref(t) is None]
        if bad:
            st.warning(f"{len(bad)} entries are not Spotify track ids, URIs or links and are left out: {listed(bad)}")
        good = [t for t in tokens if parse_track_ref(t) is not None]
        if not good:
            return None, None
        return loaders.track_list(disco, "pasted ids", "\n".join(good).encode())
    file = st.file_uploader("A song table (CSV/Parquet in any common Spotify export layout: its own audio "
                            "features are used) or a text file of track ids", type=["csv", "parquet", "txt"],
                            key=FILE_KEY)
    if file is None:
        return None, None
    return loaders.track_list(disco, file.name, file.getvalue())


def tracks_view(disco: Disco, tracks: TrackList) -> Disco:
    """A Disco over the track list's own catalog and arrays (songs of an uploaded table need not be in the
    session's catalog), sharing the session's network."""
    if tracks.catalog is disco.catalog:
        return disco
    return Disco(tracks.catalog, tracks.arrays, disco.predictor, model=disco.model)


def order_counts(disco: Disco, playlist: Playlist) -> dict:
    """Total loss, moves, and Camelot- and tempo-compatible moves of an order."""
    songs = disco.catalog.songs.iloc[np.asarray(playlist.indices, dtype=np.int64)]
    k, m, t = songs["key"].to_numpy(), songs["mode"].to_numpy(), songs["tempo"].to_numpy()
    return {"total_loss": float(playlist.total_loss), "moves": max(len(songs) - 1, 0),
            "camelot": int(camelot_compatible(k[:-1], m[:-1], k[1:], m[1:]).sum()),
            "tempo": int(tempo_compatible(t[:-1], t[1:]).sum())}
