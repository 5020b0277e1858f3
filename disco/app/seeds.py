"""The Build page's seed songs: search as you type, pick up to five, kept in the order picked."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from disco.app.text import md_escape

MAX_SEEDS = 5
MATCHES = 25  # search hits offered
SEEDS_KEY = "seeds"  # session_state: ordered list of seed song indices
QUERY_KEY = "seed_query"
MATCH_KEY = "seed_match"


def default_seed(catalog) -> int:
    """A well-known song to start from: the most popular one (lowest index on ties; 0 without popularity)."""
    pop = pd.to_numeric(catalog.songs["popularity"], errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(pop).any():
        return 0
    return int(np.nanargmax(pop))


def seed_label(catalog, i: int) -> str:
    """``"artist - title (genre)"`` of song ``i``."""
    genre = catalog.songs["genre"].iat[int(i)]
    return f"{catalog.label(i)} ({genre})" if genre else catalog.label(i)


def clear() -> None:
    """Forget the seeds (the catalog changed: its song indices mean other songs)."""
    st.session_state.pop(SEEDS_KEY, None)


def _add_picked() -> None:
    picked = st.session_state.get(MATCH_KEY)
    chosen = st.session_state.setdefault(SEEDS_KEY, [])
    if picked is not None and picked not in chosen and len(chosen) < MAX_SEEDS:
        chosen.append(int(picked))
    st.session_state[MATCH_KEY] = None
    st.session_state[QUERY_KEY] = ""


def _remove(i: int) -> None:
    st.session_state[SEEDS_KEY] = [s for s in st.session_state.get(SEEDS_KEY, []) if s != i]


def seed_picker(catalog) -> list[int]:
    """Search-as-you-type picker of 1-5 seeds (the most popular song to start with). Returns song indices."""
    if SEEDS_KEY not in st.session_state:
        st.session_state[SEEDS_KEY] = [default_seed(catalog)] if len(catalog) else []
    chosen: list[int] = st.session_state[SEEDS_KEY]
    query = st.text_input("Search a seed song (artist or title)", key=QUERY_KEY, live=True, type="search",
                          placeholder="e.g. daft punk one more time", disabled=len(chosen) >= MAX_SEEDS,
                          help=f"Up to {MAX_SEEDS} seeds; they open the playlist in the order you pick them.")
    if query and query.strip():
        hits = catalog.search(query, limit=MATCHES)
        options = [int(i) for i in hits["index"] if int(i) not in chosen]
        if options:
            st.selectbox(f"{len(options)} matches: pick one to add it", options, index=None, key=MATCH_KEY,
                         format_func=lambda i: seed_label(catalog, i), on_change=_add_picked,
                         placeholder="Choose a match")
        else:
            st.caption(f"No song matches “{query}”.")
    if chosen:
        st.markdown("**Seeds** (in order):")
        for n, i in enumerate(chosen, start=1):
            label, remove = st.columns([12, 1], vertical_alignment="center")
            label.markdown(f"**{n}.** {md_escape(seed_label(catalog, i))}")
            remove.button("✕", key=f"remove_seed_{i}", on_click=_remove, args=(i,), help="Remove this seed")
    return list(chosen)
