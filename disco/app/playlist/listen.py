"""Listening to a playlist's songs in the page: one compact selector, one player.

A song with a file on this computer (the ``path`` column: the user's own library or scan) plays with
``st.audio``; a catalog song with a Spotify track id plays in Spotify's embed player, which runs in the user's
browser (Spotify plays a preview, or the whole song to a listener logged in there). Only audio files are read
(by extension), up to :data:`MAX_PLAY_MB`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from disco.audio.decode import AUDIO_EXTENSIONS
from disco.data.refs import is_track_id

SPOTIFY_EMBED = "https://open.spotify.com/embed/track/{}"
EMBED_HEIGHT = 152  # px: Spotify's compact player with its artwork
MAX_PLAY_MB = 200  # a larger file is not read into memory to be played
MIME = {".mp3": "audio/mpeg", ".flac": "audio/flac", ".wav": "audio/wav", ".ogg": "audio/ogg", ".oga": "audio/ogg",
        ".aiff": "audio/aiff", ".aif": "audio/aiff", ".m4a": "audio/mp4", ".aac": "audio/aac"}


def spotify_embed_url(track_id: str) -> str:
    return SPOTIFY_EMBED.format(track_id)


def playable_file(path) -> tuple[Path | None, str | None]:
    """(the song's audio file, None) when it can be played here, else (None, why not; None when there is no
    path at all)."""
    text = str(path or "").strip()
    if not text:
        return None, None
    file = Path(text).expanduser()
    if file.suffix.lower() not in AUDIO_EXTENSIONS:
        return None, f"its file is not an audio file DISCO plays ({file.suffix or 'no extension'})"
    try:
        if not file.is_file():
            return None, "its file is not on this computer"
        if file.stat().st_size > MAX_PLAY_MB * 1024 * 1024:
            return None, f"its file is larger than {MAX_PLAY_MB} MB"
    except OSError:
        return None, "its file cannot be read"
    return file, None


def listen_source(track_id, path) -> tuple[str, str] | tuple[None, str]:
    """How a song can be heard: ("file", path), ("spotify", embed url), or (None, why it cannot)."""
    file, why = playable_file(path)
    if file is not None:
        return "file", str(file)
    if is_track_id(track_id):
        return "spotify", spotify_embed_url(str(track_id))
    return None, why or "it has neither a Spotify track id nor a file on this computer"


def song_choice(frame: pd.DataFrame, i: int) -> str:
    row = frame.iloc[int(i)]
    return f"{row['position']}. {row['artist']} - {row['track_name']}"


def listen_panel(frame: pd.DataFrame, *, key: str) -> None:
    """A "Listen" selector over the playlist's songs (none chosen at first: nothing loads until asked) and the
    chosen song's player."""
    choice = st.selectbox("Listen", list(range(len(frame))), index=None, key=f"{key}_listen",
                          format_func=lambda i: song_choice(frame, i), placeholder="Pick a song to play it here",
                          help="Songs from your own files play here; catalog songs play in Spotify's player.")
    if choice is None or not 0 <= int(choice) < len(frame):
        return
    row = frame.iloc[int(choice)]
    kind, source = listen_source(row.get("track_id"), row.get("path"))
    if kind == "file":
        st.audio(source, format=MIME.get(Path(source).suffix.lower(), "audio/mpeg"))
    elif kind == "spotify":
        st.iframe(source, height=EMBED_HEIGHT)
    else:
        st.caption(f"No player for this song: {source}.")
