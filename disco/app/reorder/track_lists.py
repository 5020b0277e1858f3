"""The Reorder page's songs: pasted Spotify ids or an uploaded file, and how an order compares before/after."""

from __future__ import annotations

import re

import numpy as np
import streamlit as st

from disco.app.session import loaders, sources, uploads
from disco.app.text import md_escape
from disco.data.refs import parse_track_ref
from disco.engine.playlist import Playlist
from disco.engine.service import MAX_REORDER, Disco, TrackList
from disco.theory.keys import camelot_compatible
from disco.theory.tempo import tempo_compatible
from disco.wording import plural

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
    """The first few items (literal Markdown: they are the user's text), and how many more."""
    more = f" (and {len(items) - SHOWN} more)" if len(items) > SHOWN else ""
    return ", ".join(md_escape(i) for i in items[:SHOWN]) + more


def own_songs(disco: Disco) -> tuple[str, TrackList, str] | None:
    """The session's own songs (a scan, or an uploaded song file) as one list to reorder: (the Reorder page's
    label for them, the TrackList, its content key). None for the default catalog, or when they are fewer than
    two or more than the engine reorders at once."""
    src = sources.current_source()
    n = len(disco.catalog)
    if src.is_default or not 2 <= n <= MAX_REORDER:
        return None
    tracks = TrackList(disco.catalog, disco.arrays, np.arange(n, dtype=np.int64), src.name,
                       predictor=disco.predictor, status=disco.status)
    return f"All {n:,} songs of {md_escape(src.name)}", tracks, f"all:{src.sha256}"


def song_input(disco: Disco) -> tuple[TrackList | None, str | None]:
    """The user's songs and their content key, or (None, None) while there is nothing to reorder."""
    own = own_songs(disco)  # a scan or an uploaded song file: all its songs, one click
    how = st.radio("Your songs", [PASTE, UPLOAD] + ([own[0]] if own else []), horizontal=True, key=INPUT_KEY)
    if own and how == own[0]:
        return own[1], own[2]
    if how == PASTE:
        tokens = read_pasted_ids(st.text_area("Track ids / URIs / links", key=IDS_KEY, height=180, help=PASTE_HELP))
        bad = [t for t in tokens if parse_track_ref(t) is None]
        if bad:
            st.warning(f"{plural(len(bad), 'entry', 'entries')} {'is' if len(bad) == 1 else 'are'} not a Spotify "
                       f"track id, URI or link and left out: {listed(bad)}")
        good = [t for t in tokens if parse_track_ref(t) is not None]
        if not good:
            return None, None
        return loaders.track_list(disco, "pasted ids", "\n".join(good).encode())
    file = st.file_uploader("A song table (CSV/Parquet in any common Spotify export layout, or a DISCO export: "
                            "its own audio features are used) or a text file of track ids",
                            type=["csv", "parquet", "json", "txt", "gz"],
                            key=FILE_KEY, help=uploads.size_help())
    if file is None:
        return None, None
    # read once per upload (keyed by its id), its header checked before it is parsed
    return loaders.track_list(disco, file.name, file.getvalue(), content_id=f"upload:{file.file_id}")


def show_left_out(tracks: TrackList) -> None:
    """Warnings naming what of the user's songs was not taken: unknown ids, lines that are no id, repeats,
    and a song table's merged or excluded rows."""
    if tracks.unknown:
        n = len(tracks.unknown)
        st.warning(f"{plural(n, 'song')} {'is' if n == 1 else 'are'} not in the loaded catalog and left out: "
                   f"{listed(tracks.unknown)}. Upload a song table holding their audio features instead.")
    if tracks.invalid:
        n = len(tracks.invalid)
        st.warning(f"{plural(n, 'entry', 'entries')} {'is' if n == 1 else 'are'} not a Spotify track id, URI "
                   f"or link and left out: {listed(tracks.invalid)}.")
    repeats = len(tracks.repeats) if isinstance(tracks.repeats, (list, tuple)) else int(tracks.repeats or 0)
    if repeats:
        st.caption(f"{plural(repeats, 'repeated song')} {'was' if repeats == 1 else 'were'} listed once.")
    report = getattr(tracks, "report", None)
    if report is not None and (report.repeated_track_rows or report.rows_excluded):
        st.caption(md_escape(tracks.summary()))


def tracks_view(disco: Disco, tracks: TrackList) -> Disco:
    """A Disco over the track list's own catalog and arrays (songs of an uploaded table need not be in the
    session's catalog), with the network for its songs' features."""
    if tracks.catalog is disco.catalog:
        return disco
    return Disco(tracks.catalog, tracks.arrays, tracks.predictor or disco.predictor, model=disco.model,
                 status=tracks.status)


def order_counts(disco: Disco, playlist: Playlist) -> dict:
    """Total loss, moves, and Camelot- and tempo-compatible moves of an order."""
    songs = disco.catalog.songs.iloc[np.asarray(playlist.indices, dtype=np.int64)]
    k, m, t = songs["key"].to_numpy(), songs["mode"].to_numpy(), songs["tempo"].to_numpy()
    return {"total_loss": float(playlist.total_loss), "moves": max(len(songs) - 1, 0),
            "camelot": int(camelot_compatible(k[:-1], m[:-1], k[1:], m[1:]).sum()),
            "tempo": int(tempo_compatible(t[:-1], t[1:]).sum())}
