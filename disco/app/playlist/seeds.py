"""The Build page's seed songs: search as you type, pick up to five, kept in the order picked.

The search box and its matches are a fragment: a keystroke reruns only them. Enter adds the top match (a
small script in the page listens for Enter in the search box: Streamlit's text input commits the same way on
Enter and on a typing pause). The seeds live in the session's record (:mod:`disco.app.session.state`); until the user
picks one, the page shows a playlist from the catalog's most popular song, which the first pick replaces.
Picking or removing a seed reruns the page, which builds the new playlist.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import streamlit as st

from disco.app.session import state
from disco.app.text import md_escape
from disco.wording import plural

MAX_SEEDS = 5
MATCHES = 25  # search hits offered
QUERY_KEY = "seed_query"
MATCH_KEY = "seed_match"
ENTER_KEY = "seed_enter"  # the Enter listener's component
SEARCH_LABEL = "Search a seed song (artist or title)"
CHANGED_KEY = "seeds_changed"  # session_state: a seed was picked in the fragment: rerun the page
SEARCH_PAUSE = "30ms"  # the search runs once typing pauses this long (a fragment rerun: cheap)


def default_seed(catalog) -> int:
    """A well-known song to start from: the most popular one (lowest index on ties; 0 without popularity)."""
    pop = pd.to_numeric(catalog.songs["popularity"], errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(pop).any():
        return 0
    return int(np.nanargmax(pop))


def seed_label(catalog, i: int) -> str:
    """``"artist - title · album (year)"`` of song ``i``: enough to tell look-alike releases apart."""
    return catalog.describe(int(i))


def clear() -> None:
    """Forget the seeds (the catalog changed: its song indices mean other songs)."""
    state.set_seeds(None)


def chosen_seeds(catalog) -> tuple[list[int], bool]:
    """The session's seeds, and whether they are the demo seed: until the user picks, the catalog's most
    popular song (not stored: the first pick replaces it)."""
    picked = state.current().seeds
    if picked is None:
        return ([default_seed(catalog)] if len(catalog) else []), True
    return list(picked), False


def add_seed(song) -> bool:
    """Add ``song`` after the picked seeds (replacing the demo seed); False when it is already a seed or there
    are :data:`MAX_SEEDS`."""
    chosen = list(state.current().seeds or ())
    if song is None or int(song) in chosen or len(chosen) >= MAX_SEEDS:
        return False
    state.set_seeds(chosen + [int(song)])
    st.session_state[CHANGED_KEY] = True
    return True


def top_match(catalog, text: str):
    """The best match of ``text`` that is not a seed yet (None when nothing matches)."""
    chosen = set(state.current().seeds or ())
    hits = catalog.search(text.strip(), limit=MATCHES) if text and text.strip() else None
    if hits is None:
        return None
    return next((int(i) for i in hits["index"] if int(i) not in chosen), None)


def _clear_search() -> None:
    st.session_state[MATCH_KEY] = None
    st.session_state[QUERY_KEY] = ""


def _add_picked() -> None:
    add_seed(st.session_state.get(MATCH_KEY))
    _clear_search()


def _add_top_match(catalog) -> None:
    text = (st.session_state.get(ENTER_KEY) or {}).get("enter")
    if add_seed(top_match(catalog, text or "")):
        _clear_search()


def _remove(i: int) -> None:
    """Remove seed ``i`` (the demo seed too: the user then picks their own)."""
    state.set_seeds([s for s in state.current().seeds or () if s != i])


ENTER_JS = """
export default function (component) {
  const { setTriggerValue, data } = component;
  const onKey = (event) => {
    const box = event.target;
    if (event.key !== "Enter" || event.isComposing || !(box instanceof HTMLInputElement)) return;
    if (box.getAttribute("aria-label") !== data.label || !box.value.trim()) return;
    const text = box.value.trim();
    setTimeout(() => setTriggerValue("enter", text), 0);  // after the box commits its own value
  };
  if (window.discoSeedEnter) document.removeEventListener("keydown", window.discoSeedEnter, true);
  window.discoSeedEnter = onKey;
  document.addEventListener("keydown", onKey, true);
  return () => {
    document.removeEventListener("keydown", onKey, true);
    if (window.discoSeedEnter === onKey) window.discoSeedEnter = null;
  };
}
"""


@functools.cache
def _enter_listener():
    return st.components.v2.component("disco_seed_enter", js=ENTER_JS)


@st.fragment
def search_box(catalog) -> None:
    """The search field and its matches; picking a match adds it and reruns the page."""
    if st.session_state.pop(CHANGED_KEY, False):
        st.rerun(scope="app")
    chosen = state.current().seeds or ()
    query = st.text_input(SEARCH_LABEL, key=QUERY_KEY, live=SEARCH_PAUSE, type="search",
                          placeholder="e.g. daft punk one more time", disabled=len(chosen) >= MAX_SEEDS,
                          help=f"Up to {MAX_SEEDS} seeds; they open the playlist in the order you pick them. "
                               "Enter adds the top match.")
    _enter_listener()(key=ENTER_KEY, data={"label": SEARCH_LABEL}, height=0,
                      on_enter_change=functools.partial(_add_top_match, catalog))
    text = (query or "").strip()
    if not text:
        return
    hits = catalog.search(text, limit=MATCHES)
    options = {int(i): d for i, d in zip(hits["index"], hits["description"]) if int(i) not in chosen}
    if options:
        st.selectbox(f"{plural(len(options), 'match', 'matches')} for “{md_escape(text)}”: pick one to add it "
                     "(Enter adds the first)",
                     list(options), index=None, key=MATCH_KEY, format_func=options.get, on_change=_add_picked,
                     placeholder="Choose a match")
    else:
        st.caption(f"No song matches “{md_escape(text)}”.")


def seed_picker(catalog) -> list[int]:
    """Search-as-you-type picker of 1-5 seeds (the most popular song until the user picks). Returns song
    indices."""
    chosen, demo = chosen_seeds(catalog)
    search_box(catalog)
    if chosen:
        st.markdown("**Seed** (the catalog's most popular song, until you pick one: your first pick replaces "
                    "it):" if demo else "**Seeds** (in order):")
        for n, i in enumerate(chosen, start=1):
            label, remove = st.columns([12, 1], vertical_alignment="center")
            label.markdown(f"**{n}.** {md_escape(seed_label(catalog, i))}")
            remove.button("✕", key=f"remove_seed_{i}", on_click=_remove, args=(i,), help="Remove this seed")
    return chosen
