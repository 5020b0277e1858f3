"""Reorder: bring your own songs (a file or pasted ids/URIs) and get the order with the best flow."""

import streamlit as st

from disco.app.errors import user_errors
from disco.app.playlist import playlist_view
from disco.app.reorder import reorder_compare, track_lists
from disco.app.session import loaders, sources
from disco.app.sidebar import controls
from disco.errors import CatalogError
from disco.theory.tempo import TEMPO_TOLERANCE_PCT
from disco.wording import plural

KEEP_FIRST_KEY = "keep_first"


def change(before: float, after: float, digits: int = 0) -> float | int:
    """``after - before`` as shown (rounded to ``digits``): a change that rounds to nothing is 0, which
    Streamlit shows grey, without an arrow."""
    delta = round(after - before, digits)
    return (int(delta) if digits == 0 else float(delta)) or 0


def before_after(before: dict, after: dict) -> None:
    """Total loss and compatible moves of the reordered songs, against the order given: an improvement is
    green (a lower loss, more compatible moves), a loss red, no change grey."""
    cols = st.columns(3)
    cols[0].metric("total loss (lower is better)", f"{after['total_loss']:.2f}",
                   change(before["total_loss"], after["total_loss"], 2), delta_color="inverse",
                   delta_description=f"was {before['total_loss']:.2f}")
    cols[1].metric("Camelot-compatible moves", f"{after['camelot']} of {after['moves']}",
                   change(before["camelot"], after["camelot"]), delta_description=f"was {before['camelot']}")
    cols[2].metric(f"tempo moves within {TEMPO_TOLERANCE_PCT:g}%", f"{after['tempo']} of {after['moves']}",
                   change(before["tempo"], after["tempo"]), delta_description=f"was {before['tempo']}")


def render() -> None:
    disco = sources.require_disco()
    settings = controls.settings_panel()
    st.title("Reorder your songs")
    st.caption("DISCO keeps your songs and searches the order with the best flow (lowest total loss): the best "
               "key-and-tempo path (an exact solver), the DJ sort and beam search as starts, each then improved "
               "by local moves scored with the full loss, network included.")
    with user_errors():
        tracks, tracks_key = track_lists.song_input(disco)
        if tracks is None:
            st.info("Paste or upload at least two songs to reorder.")
            return
        track_lists.show_left_out(tracks)
        if len(tracks.indices) < 2:
            raise CatalogError(f"only {plural(len(tracks.indices), 'song')} of yours can be used: reordering "
                               "needs two")
        keep_first = st.checkbox("Keep my first song first", value=True, key=KEEP_FIRST_KEY)
        result = loaders.reorder_tracks(disco, tracks, tracks_key, settings.engine, keep_first=keep_first)
        view = track_lists.tracks_view(disco, tracks)
        st.subheader(f"Your order and DISCO's ({len(result.after)} songs)")
        before_after(track_lists.order_counts(view, result.before), track_lists.order_counts(view, result.after))
        reorder_compare.side_by_side(view, result.before, result.after)
        st.subheader("DISCO's order")
        playlist_view.show_playlist(view, result.after, key="reorder", title="disco-reordered")


if __name__ == "__main__":  # run as a page by app.py
    render()
