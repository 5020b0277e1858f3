"""The Build page's edit panel, right below the playlist's table: choose a song of the set, then lock it in
place, move it up or down, remove it (it never comes back), or see the songs that could take its place with
their score terms and put one there. Every action changes the edits in the session's record
(:mod:`disco.app.session.edits`); the page then rebuilds the rest around the locked songs with the same settings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from disco.app.errors import user_errors
from disco.app.playlist.playlist_table import LOCK, RULE_WORDS
from disco.app.session import edits, loaders, state
from disco.app.text import md_escape
from disco.engine.playlist import Playlist, RequestError
from disco.engine.service import Disco
from disco.theory.keys import key_label
from disco.wording import listed, plural

ALTERNATIVES = 8  # songs offered for a slot
ALT_COLUMNS = ("song", "key", "BPM", "loss", "key term", "tempo term", "|energy - target|", "rules broken")


def _slot_key(key: str) -> str:
    return f"{key}_edit_slot"


def _chosen_key(key: str) -> str:
    return f"{key}_edit_at"  # the chosen position, kept apart from the widget: it follows a moved song


def _choose(key: str) -> None:
    st.session_state[_chosen_key(key)] = st.session_state.get(_slot_key(key))


def _apply(change, *args, key: str, follow: int | None = None) -> None:
    """A button's action: store the record ``change(record, *args)`` returns; ``follow``: the position the
    chosen song moved to."""
    state.store(change(state.current(), *args))
    if follow is not None:
        st.session_state[_chosen_key(key)] = follow


def _pick(position: int, key: str) -> None:
    song = st.session_state.get(f"{key}_alt_pick")
    if song is not None:
        state.store(edits.pick(state.current(), position, song))


def song_option(disco: Disco, playlist: Playlist, position: int, locked: set[int]) -> str:
    """"7. Artist - Title" of the song at ``position`` (0-based), with a lock when it is locked there."""
    mark = f" {LOCK}" if position in locked else ""
    return f"{position + 1}. {disco.catalog.label(edits.song_at(playlist, position))}{mark}"


def alternatives_table(disco: Disco, frame: pd.DataFrame, notation: str) -> pd.DataFrame:
    """What a DJ compares between the songs that could take a slot (:meth:`Disco.alternatives`' frame): the
    song, its key and BPM, the move's loss and its terms, the rules it breaks."""
    songs = disco.catalog.songs.iloc[frame["index"].to_numpy(np.int64)]
    keys, modes = songs["key"].to_numpy(np.int64), songs["mode"].to_numpy(np.int64)
    tempo = pd.to_numeric(songs["tempo"], errors="coerce").to_numpy(np.float64)
    names = np.atleast_1d(key_label(keys, modes, notation)) if len(frame) else []
    out = pd.DataFrame({
        "song": frame["label"].astype(str).to_numpy(),
        "key": [str(k) for k in names],
        "BPM": np.where(tempo > 0, tempo, np.nan),
        "loss": frame["loss"].to_numpy(np.float64),
        "key term": frame["key_score"].to_numpy(np.float64),
        "tempo term": frame["tempo_score"].to_numpy(np.float64),
        "|energy - target|": frame["arc_penalty"].to_numpy(np.float64),
        "rules broken": [", ".join(RULE_WORDS.get(r, r) for r in rules) for rules in frame["breaks"]],
    }, columns=list(ALT_COLUMNS))
    if not np.isfinite(out["|energy - target|"]).any():  # no energy arc
        out = out.drop(columns="|energy - target|")
    return out


def _alt_columns() -> dict:
    cc = st.column_config
    return {"song": cc.TextColumn("song", width=260), "key": cc.TextColumn(width=50),
            "BPM": cc.NumberColumn(format="%.1f", width=60),
            "loss": cc.NumberColumn(format="%.2f", width=60, help="The move's loss into this slot: lower is "
                                                                  "better. Songs that keep the hard rules "
                                                                  "come first."),
            "key term": cc.NumberColumn(format="%+.2f", width=75, help="-1..1, higher = more consonant."),
            "tempo term": cc.NumberColumn(format="%+.2f", width=85, help="-1..1, 1 = same tempo (or double/half)."),
            "|energy - target|": cc.NumberColumn(format="%.2f", help="Distance to the energy arc's target."),
            "rules broken": cc.TextColumn(width=100, help="The hard rules this song would break here.")}


def edits_summary(disco: Disco, record: state.SessionSettings) -> str:
    """The session's edits in a line: the locked positions, the removed songs, the locks waiting past the
    set's end."""
    used, waiting = edits.request_locks(record)
    parts = []
    if used:
        parts.append(f"{LOCK} locked: {', '.join(f'#{p + 1}' for p in used)}")
    if waiting:
        parts.append(f"waiting past the set's end: {', '.join(f'#{p + 1}' for p in waiting)} (a longer set brings "
                     f"{'it' if len(waiting) == 1 else 'them'} back)")
    if record.banned:
        labels = [disco.catalog.label(s) for s in record.banned]
        parts.append(f"removed: {listed(labels, shown=3)}")
    return " · ".join(parts)


def build_with_edits(disco: Disco, seeds, record: state.SessionSettings, *, key: str) -> Playlist | None:
    """The session's playlist (:func:`loaders.build_request`). When the edits cannot be kept with the current
    settings (a locked song past what the pool can fill), says so with a way out instead: None."""
    try:
        return loaders.build_request(disco, seeds, record)
    except RequestError:
        if not record.has_edits:
            raise
    st.error("A locked song is out of reach with these settings: the candidate pool cannot fill the set up to "
             "its place. Clear your edits, or widen the pool or its filters.", icon=":material/lock:")
    st.button("Clear edits", key=f"{key}_edit_clear_blocked", icon=":material/restart_alt:",
              on_click=state.clear_edits)
    return None


def edit_panel(disco: Disco, playlist: Playlist, *, key: str) -> None:
    """The edit controls of ``playlist``, built from the session's record."""
    positions = edits.editable_positions(playlist)
    record = state.current()
    if not positions and not record.has_edits:
        return
    locked = set(playlist.info.get("locked", ()))
    chosen = st.session_state.get(_chosen_key(key))
    chosen = chosen if chosen in positions else None
    st.session_state[_slot_key(key)] = chosen
    with st.container(border=True):
        st.markdown("**Edit the set**")
        st.selectbox("song to edit", positions, key=_slot_key(key), on_change=_choose, args=(key,),
                     format_func=lambda p: song_option(disco, playlist, p, locked),
                     placeholder="Choose a song of the set to lock, move, remove or swap",
                     label_visibility="collapsed")
        at = chosen if chosen is not None else -1
        none = chosen is None
        with st.container(horizontal=True, gap="small"):
            is_locked = at in locked
            st.button("Unlock" if is_locked else "Lock", key=f"{key}_edit_lock", disabled=none,
                      icon=":material/lock_open:" if is_locked else ":material/lock:",
                      on_click=_apply, args=(edits.toggle_lock, playlist, at), kwargs={"key": key},
                      help="A locked song stays at its place when anything else changes.")
            st.button("Up", key=f"{key}_edit_up", icon=":material/arrow_upward:",
                      disabled=none or not edits.can_move(playlist, at, -1),
                      on_click=_apply, args=(edits.move, playlist, at, -1), kwargs={"key": key, "follow": at - 1},
                      help="Swap with the song before it; both are then locked.")
            st.button("Down", key=f"{key}_edit_down", icon=":material/arrow_downward:",
                      disabled=none or not edits.can_move(playlist, at, 1),
                      on_click=_apply, args=(edits.move, playlist, at, 1), kwargs={"key": key, "follow": at + 1},
                      help="Swap with the song after it; both are then locked.")
            st.button("Remove", key=f"{key}_edit_remove", icon=":material/block:", disabled=none,
                      on_click=_apply, args=(edits.remove, playlist, at), kwargs={"key": key},
                      help="Take the song out; it never comes back until you clear the edits.")
            st.button("Clear edits", key=f"{key}_edit_clear", icon=":material/restart_alt:",
                      disabled=not record.has_edits, on_click=state.clear_edits,
                      help="Unlock every song and bring the removed ones back.")
        summary = edits_summary(disco, record)
        st.caption(summary or "Locked songs stay where they are; the rest is rebuilt around them with the same "
                              "settings. Other seeds start a new set: the edits are cleared.")
        if chosen is not None:
            with user_errors():
                alternatives(disco, playlist, chosen, key=key)


def alternatives(disco: Disco, playlist: Playlist, position: int, *, key: str) -> None:
    """The songs that could take ``position``, and a button that puts the chosen one there (locked)."""
    frame = disco.alternatives(playlist, position, k=ALTERNATIVES)
    now = disco.catalog.label(edits.song_at(playlist, position))
    st.markdown(f"**Alternatives for #{position + 1}** (now: {md_escape(now)}, loss {playlist.loss[position]:.2f})")
    if frame.empty:
        st.caption("No other song of the pool is left for this place.")
        return
    notation = state.current().key_notation
    st.dataframe(alternatives_table(disco, frame, notation), hide_index=True, key=f"{key}_alternatives",
                 column_config=_alt_columns(), placeholder="")
    options = {int(i): label for i, label in zip(frame["index"], frame["label"])}
    pick, use = st.columns([3, 1], vertical_alignment="bottom")
    pick.selectbox(f"song for #{position + 1}", list(options), key=f"{key}_alt_pick", format_func=options.get,
                   help=f"The best {plural(len(options), 'song')} of the pool for this place, ranked as a build "
                        "chooses: songs that keep the hard rules first, then by loss.")
    use.button(f"Put it at #{position + 1}", key=f"{key}_alt_use", icon=":material/swap_vert:",
               on_click=_pick, args=(position, key), width="stretch",
               help="Lock this song at this place; the rest is rebuilt around it.")
