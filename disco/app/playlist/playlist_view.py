"""Showing a playlist: the set's length and the key notation, the DJ table, a song to listen to, the figures
(3D trajectory, Camelot wheel and strip, folded tempo, flow over the set, loss terms) in one panel that
updates in place, the loss terms of each move, the downloads and sending to Spotify."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from disco.app.figures.figure_panel import figure_panel
from disco.app.figures.playlist_figures import FIGURES, figure_specs, playlist_id
from disco.app.playlist.listen import listen_panel
from disco.app.playlist.playlist_table import (
    KEY_TERM,
    LOCK,
    NOTATION_LABELS,
    RULE_WORDS,
    TEMPO_TERM,
    dj_columns,
    dj_table,
    set_length,
    terms_columns,
    terms_table,
)
from disco.app.session import state
from disco.app.spotify import spotify_panel
from disco.app.text import slug
from disco.engine.playlist import Playlist
from disco.engine.service import Disco
from disco.export.formats import playlist_frame, render
from disco.wording import plural

__all__ = ["FIGURES", "KEY_TERM", "TEMPO_TERM", "show_playlist", "seeds_only_hint", "loss_caption"]

DOWNLOADS = (("CSV", "csv", "csv", "text/csv"), ("JSON", "json", "json", "application/json"),
             ("M3U8", "m3u8", "m3u8", "audio/x-mpegurl"))  # label, format, extension, MIME type
ROW_PX = 35  # the table's row height: sized to its rows, no empty rows below
MAX_TABLE_PX = 563


def table_height(rows: int) -> int:
    return min(ROW_PX * (rows + 1) + 3, MAX_TABLE_PX)


def _set_notation(key: str) -> None:
    if st.session_state.get(key) in NOTATION_LABELS:
        state.set_notation(st.session_state[key])


def notation_picker(*, key: str) -> str:
    """The key notation switch (Camelot, Open Key, musical), drawn from and writing to the session's record."""
    widget = f"{key}_notation"
    st.session_state[widget] = state.current().key_notation
    st.segmented_control("key notation", list(NOTATION_LABELS), format_func=NOTATION_LABELS.get, key=widget,
                         required=True, on_change=_set_notation, args=(widget,), label_visibility="collapsed",
                         help="How the table writes keys: Camelot (8A), Open Key (1m) or musical (Am).")
    return state.current().key_notation


def show_playlist(disco: Disco, playlist: Playlist, *, key: str, title: str = "",
                  below_table: Callable[[], None] | None = None) -> None:
    """Length, table, listening, figures, loss terms, downloads and Send to Spotify of ``playlist``;
    ``below_table`` draws what goes right under the table (the Build page's edit panel)."""
    if playlist.message:
        st.warning(playlist.message)
    hint = seeds_only_hint(playlist)
    if hint:
        st.info(hint, icon=":material/info:")
    frame = playlist_frame(disco.catalog, playlist)
    length, pick = st.columns([3, 2], vertical_alignment="center")
    length.markdown(f"**{set_length(frame)}**")
    with pick:
        notation = notation_picker(key=key)
    shown = mark_locked(dj_table(frame, notation), playlist.info.get("locked", ()))
    st.dataframe(shown, hide_index=True, key=f"{key}_table", placeholder="",
                 height=table_height(len(frame)), column_config=dj_columns(notation))
    st.caption(loss_caption(playlist))
    if below_table is not None:
        below_table()
    listen_panel(frame, key=key)
    with_background = bool(st.session_state.get(f"{key}_background", False))
    figure_panel(figure_specs(disco, playlist, playlist_id(disco, playlist), with_background), key=f"{key}_figures")
    st.toggle("Show the catalog around the trajectory", key=f"{key}_background",
              help="Faint dots in the 3D view: a sample of the whole catalog in the same space.")
    with st.expander("Loss terms of each move"):
        st.dataframe(terms_table(frame), hide_index=True, key=f"{key}_terms", placeholder="",
                     height=table_height(len(frame)), column_config=terms_columns())
    download_buttons(disco, playlist, key=key, title=title)
    name = title or f"DISCO: {disco.catalog.label(playlist.indices[0])}"
    spotify_panel.send_button(frame["track_id"], name, key=key)  # or how to connect


def mark_locked(table, positions):
    """The DJ table with a lock before the titles of the songs locked at their positions (0-based)."""
    positions = [int(p) for p in positions if 0 <= int(p) < len(table)]
    if positions:
        table = table.copy()
        column = table.columns.get_loc("title")
        table.iloc[positions, column] = [f"{LOCK} {t}" for t in table.iloc[positions, column]]
    return table


def seeds_only_hint(playlist: Playlist) -> str | None:
    """What to do when the playlist is only its seeds (the length does not exceed their number)."""
    if playlist.moves or not playlist.n_seeds or len(playlist) > playlist.n_seeds:
        return None
    n = playlist.n_seeds
    return (f"The playlist is only your {plural(n, 'seed')}: set the playlist length above {n} (the sidebar) "
            "to add songs after them.")


def loss_caption(playlist: Playlist) -> str:
    """The total loss, and the moves that had to relax a hard rule."""
    relaxed = playlist.relaxed_moves
    rules = sorted({RULE_WORDS.get(r, r) for rs in playlist.relaxed for r in rs})
    note = (f" {plural(relaxed, 'move')} relaxed a hard rule ({', '.join(rules)}): no song in the pool met it "
            "there (⚠)." if relaxed else "")
    if not playlist.moves:
        return "No song was chosen, so there is no loss to show."
    return (f"total loss {playlist.total_loss:.2f} over {plural(playlist.moves, 'chosen song')} (lower is "
            f"better; each move's terms are below the figures).{note}")


def download_buttons(disco: Disco, playlist: Playlist, *, key: str, title: str = "") -> None:
    """CSV, JSON and M3U8 downloads, made when clicked."""
    stem = slug(title or f"disco-{disco.catalog.label(playlist.indices[0])}")
    catalog = disco.catalog
    for col, (label, fmt, ext, mime) in zip(st.columns(len(DOWNLOADS)), DOWNLOADS):
        col.download_button(f"Download {label}", lambda fmt=fmt: render(catalog, playlist, fmt),
                            file_name=f"{stem}.{ext}", mime=mime, key=f"{key}_dl_{ext}", on_click="ignore")
