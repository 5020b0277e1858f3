"""Reorder: bring your own songs (a file or pasted ids/URIs) and get the order with the best flow."""

import streamlit as st

from disco.app import controls, loaders, playlist_view, sources, track_lists
from disco.app.errors import user_errors
from disco.errors import CatalogError
from disco.theory.tempo import TEMPO_TOLERANCE_PCT

KEEP_FIRST_KEY = "keep_first"


def before_after(before: dict, after: dict) -> None:
    """Total loss and compatible moves of the reordered songs, against the order given."""
    cols = st.columns(3)
    cols[0].metric("total loss (lower is better)", f"{after['total_loss']:.2f}",
                   f"{after['total_loss'] - before['total_loss']:+.2f} (was {before['total_loss']:.2f})",
                   delta_color="inverse")
    cols[1].metric("Camelot-compatible moves", f"{after['camelot']} of {after['moves']}",
                   f"{after['camelot'] - before['camelot']:+d} (was {before['camelot']})")
    cols[2].metric(f"tempo moves within {TEMPO_TOLERANCE_PCT:g}%", f"{after['tempo']} of {after['moves']}",
                   f"{after['tempo'] - before['tempo']:+d} (was {before['tempo']})")


def render() -> None:
    disco = sources.require_disco()
    settings = controls.settings_panel(with_request=False)
    st.title("Reorder your songs")
    st.caption("DISCO keeps your songs and searches the order with the best flow (lowest total loss): beam "
               "search, then local moves re-scored with the network.")
    with user_errors():
        tracks, tracks_key = track_lists.song_input(disco)
        if tracks is None:
            st.info("Paste or upload at least two songs to reorder.")
            return
        if tracks.unknown:
            st.warning(f"{len(tracks.unknown)} songs are not in the loaded catalog and are left out: "
                       f"{track_lists.listed(tracks.unknown)}. Upload a song table holding their audio features "
                       "instead.")
        if tracks.invalid:
            st.warning(f"{len(tracks.invalid)} entries are not Spotify track ids, URIs or links and are left out: "
                       f"{track_lists.listed(tracks.invalid)}.")
        if tracks.repeats:
            st.caption(f"{tracks.repeats} repeated songs were listed once.")
        if len(tracks.indices) < 2:
            raise CatalogError(f"only {len(tracks.indices)} of your songs can be used: reordering needs two")
        keep_first = st.checkbox("Keep my first song first", value=True, key=KEEP_FIRST_KEY)
        result = loaders.reorder_tracks(disco, tracks, tracks_key, settings.engine, keep_first=keep_first)
        view = track_lists.tracks_view(disco, tracks)
        st.subheader(f"Before → after ({len(result.after)} songs)")
        before_after(track_lists.order_counts(view, result.before), track_lists.order_counts(view, result.after))
        playlist_view.show_playlist(view, result.after, key="reorder", title="disco-reordered")


if __name__ == "__main__":  # run as a page by app.py
    render()
