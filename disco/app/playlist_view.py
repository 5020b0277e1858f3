"""Showing a playlist: its table, the 3D trajectory, the key/tempo/energy/loss views and the downloads."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from disco.app import loaders, spotify_panel
from disco.app.text import slug
from disco.engine.playlist import Playlist
from disco.engine.service import Disco
from disco.export.formats import playlist_frame, to_csv, to_json, to_m3u
from disco.plots import playlist as plots

VIEW_TABS = {"Key moves": "key", "Tempo moves": "tempo", "Energy & valence": "energy", "Loss terms": "loss"}
FIGURES = ("trajectory",) + tuple(VIEW_TABS.values())
TABLE_COLUMNS = {  # playlist_frame column -> shown header
    "position": "#", "artist": "artist", "track_name": "title", "camelot": "Camelot", "tempo": "BPM",
    "distance": "distance", "key_score": "key score", "tempo_score": "tempo score", "loss": "loss",
    "is_seed": "seed", "relaxed": "rule relaxed",
}
DOWNLOADS = (("CSV", "csv", "text/csv", to_csv), ("JSON", "json", "application/json", to_json),
             ("M3U", "m3u", "audio/x-mpegurl", to_m3u))
ROW_PX = 35  # the table's row height: sized to its rows, no empty rows below
MAX_TABLE_PX = 563


def playlist_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The shown table: position, artist, title, Camelot, BPM, the loss terms of each move, the seed flag and
    the hard rules a move had to relax (``⚠ camelot_only``; empty when none)."""
    out = frame[[c for c in TABLE_COLUMNS if c in frame.columns]].copy()
    if "relaxed" in out:
        out["relaxed"] = [f"⚠ {r.replace(',', ', ')}" if r else "" for r in out["relaxed"].astype(str)]
    return out.rename(columns=TABLE_COLUMNS)


def figures(disco: Disco, playlist: Playlist, names=FIGURES, with_background: bool = False) -> dict:
    """The playlist's figures ``names`` (of :data:`FIGURES`) by name."""
    idx = np.asarray(playlist.indices, dtype=np.int64)
    songs = disco.catalog.songs.iloc[idx]
    labels = [disco.catalog.label(i) for i in idx]
    is_seed = np.arange(len(idx)) < playlist.n_seeds
    target = np.asarray(playlist.arc_target, dtype=np.float64).reshape(len(idx), -1)[:, 0]
    makers = {
        "trajectory": lambda: plots.trajectory_3d(np.asarray(disco.arrays.pca)[idx], labels, is_seed,
                                                  background=loaders.background(disco) if with_background else None),
        "key": lambda: plots.key_view(songs["key"].to_numpy(), songs["mode"].to_numpy(), labels, is_seed),
        "tempo": lambda: plots.tempo_view(songs["tempo"].to_numpy(), labels, is_seed),
        "energy": lambda: plots.energy_arc(songs["energy"].to_numpy(), songs["valence"].to_numpy(), labels, is_seed,
                                           target=target if playlist.settings.arc is not None else None),
        "loss": lambda: plots.loss_bars(playlist),
    }
    return {name: makers[name]() for name in names}


def show_playlist(disco: Disco, playlist: Playlist, *, key: str, title: str = "") -> None:
    """Table, 3D trajectory, key/tempo/energy/loss views and downloads of ``playlist``."""
    if playlist.message:
        st.warning(playlist.message)
    frame = playlist_frame(disco.catalog, playlist)
    left, right = st.columns([1, 1])
    with left:
        st.dataframe(playlist_table(frame), hide_index=True, key=f"{key}_table",
                     height=min(ROW_PX * (len(frame) + 1) + 3, MAX_TABLE_PX),
                     column_config={
                         "#": st.column_config.NumberColumn(width=40),
                         "Camelot": st.column_config.TextColumn(width=70),
                         "seed": st.column_config.CheckboxColumn("seed", width=50),
                         "BPM": st.column_config.NumberColumn(format="%.0f", width=50),
                         "distance": st.column_config.NumberColumn(format="%.2f"),
                         "key score": st.column_config.NumberColumn(format="%.2f"),
                         "tempo score": st.column_config.NumberColumn(format="%.2f"),
                         "loss": st.column_config.NumberColumn(format="%.2f"),
                     })
        st.caption(loss_caption(playlist))
    with right:
        with_background = st.session_state.get(f"{key}_background", False)
        st.plotly_chart(figures(disco, playlist, ["trajectory"], with_background)["trajectory"],
                        key=f"{key}_trajectory")
        st.toggle("Show the catalog around it", key=f"{key}_background",
                  help="Faint dots: a sample of the whole catalog in the same space.")
    # Only the open tab's figure is sent: each Plotly chart costs the browser time to draw.
    tabs = st.tabs(list(VIEW_TABS), key=f"{key}_views", on_change="rerun")
    for tab, name in zip(tabs, VIEW_TABS.values()):
        if tab.open:
            with tab:
                st.plotly_chart(figures(disco, playlist, [name])[name], key=f"{key}_{name}")
    download_buttons(disco, playlist, key=key, title=title)
    name = title or f"DISCO: {disco.catalog.label(playlist.indices[0])}"
    spotify_panel.send_button(frame["track_id"], name, key=key)  # shown once an account is connected


def loss_caption(playlist: Playlist) -> str:
    """The total loss, and the moves that had to relax a hard rule."""
    relaxed = playlist.relaxed_moves
    rules = sorted({r for rs in playlist.relaxed for r in rs})
    note = (f" {relaxed} move{'s' if relaxed != 1 else ''} relaxed a hard rule ({', '.join(rules)}): "
            "no song in the pool met it there (⚠)." if relaxed else "")
    return (f"total loss {playlist.total_loss:.2f} over {playlist.moves} chosen songs (lower is better); "
            f"seed rows have no transition scores.{note}")


def download_buttons(disco: Disco, playlist: Playlist, *, key: str, title: str = "") -> None:
    stem = slug(title or f"disco-{disco.catalog.label(playlist.indices[0])}")
    for col, (label, ext, mime, render) in zip(st.columns(len(DOWNLOADS)), DOWNLOADS):
        col.download_button(f"Download {label}", render(disco.catalog, playlist), file_name=f"{stem}.{ext}",
                            mime=mime, key=f"{key}_dl_{ext}", on_click="ignore")
