"""Reorder: bring your own songs (a file or pasted ids/URIs) and get the order with the best flow."""

import hashlib

import streamlit as st

from disco import ui
from disco.errors import CatalogError

PASTE_HELP = ("One per line (or separated by commas/spaces): Spotify track ids, `spotify:track:...` URIs or "
              "`https://open.spotify.com/track/...` links of songs in the loaded catalog.")


def read_input(disco):
    """The user's songs as (TrackList, content key), or (None, None) while there is nothing to reorder."""
    from disco.service import parse_track_ref

    how = st.radio("Your songs", ["Paste track ids or links", "Upload a song file"], horizontal=True,
                   key="reorder_input")
    if how.startswith("Paste"):
        tokens = ui.read_pasted_ids(st.text_area("Track ids / URIs / links", key="reorder_ids", height=180,
                                                 help=PASTE_HELP))
        bad = [t for t in tokens if parse_track_ref(t) is None]
        if bad:
            more = f" (and {len(bad) - 5} more)" if len(bad) > 5 else ""
            st.warning(f"{len(bad)} entries are not Spotify track ids, URIs or links and are left out: "
                       f"{', '.join(bad[:5])}{more}")
        good = [t for t in tokens if parse_track_ref(t) is not None]
        if not good:
            return None, None
        data = "\n".join(good).encode()
        return ui.track_list(disco, "pasted ids", data), hashlib.sha256(data).hexdigest()
    file = st.file_uploader("A song table (CSV/Parquet in any common Spotify export layout: its own audio "
                            "features are used) or a text file of track ids", type=["csv", "parquet", "txt"],
                            key="reorder_file")
    if file is None:
        return None, None
    data = file.getvalue()
    return ui.track_list(disco, file.name, data), hashlib.sha256(data).hexdigest()


def body() -> None:
    disco = ui.require_disco()
    settings = ui.engine_settings(with_length=False, with_pool=False)
    st.title("Reorder your songs")
    st.caption("DISCO keeps your songs and searches the order with the best flow (lowest total loss): beam "
               "search, then local moves re-scored with the network.")
    tracks, key = read_input(disco)
    if tracks is None:
        st.info("Paste or upload at least two songs to reorder.")
        return
    if tracks.unknown:
        more = f" (and {len(tracks.unknown) - 5} more)" if len(tracks.unknown) > 5 else ""
        st.warning(f"{len(tracks.unknown)} songs are not in the loaded catalog and are left out: "
                   f"{', '.join(tracks.unknown[:5])}{more}. Upload a song table holding their audio features "
                   "instead.")
    if tracks.invalid:
        more = f" (and {len(tracks.invalid) - 5} more)" if len(tracks.invalid) > 5 else ""
        st.warning(f"{len(tracks.invalid)} entries are not Spotify track ids, URIs or links and are left out: "
                   f"{', '.join(tracks.invalid[:5])}{more}.")
    if tracks.repeats:
        st.caption(f"{tracks.repeats} repeated songs were listed once.")
    if len(tracks.indices) < 2:
        raise CatalogError(f"only {len(tracks.indices)} of your songs can be used: reordering needs two")
    keep_first = st.checkbox("Keep my first song first", value=True, key="keep_first")
    view = ui.track_list_view(disco, tracks)
    playlist = ui.reorder(disco, tracks, key, settings, keep_first)
    scoring = ui.scoring_from_record(playlist.settings["scoring"])  # the arc as fitted to these songs
    before = ui.order_summary(view, list(tracks.indices), settings, scoring)
    after = ui.order_summary(view, list(playlist.indices), settings, scoring)
    st.subheader(f"Before → after ({len(playlist)} songs)")
    cols = st.columns(3)
    cols[0].metric("total loss (lower is better)", f"{after['total_loss']:.2f}",
                   f"{after['total_loss'] - before['total_loss']:+.2f} (was {before['total_loss']:.2f})",
                   delta_color="inverse")
    cols[1].metric("Camelot-compatible moves", f"{after['camelot']} of {after['moves']}",
                   f"{after['camelot'] - before['camelot']:+d} (was {before['camelot']})")
    cols[2].metric("tempo moves within 6%", f"{after['tempo']} of {after['moves']}",
                   f"{after['tempo'] - before['tempo']:+d} (was {before['tempo']})")
    ui.show_playlist(view, playlist, key="reorder", title="disco-reordered")


ui.run_page(body)
