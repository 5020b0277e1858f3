"""Build: pick seed songs, tune the loss, get an ordered playlist with its flow views, listen, download or send
it."""

import streamlit as st

from disco.app.errors import user_errors
from disco.app.playlist import editing, playlist_view, seeds
from disco.app.session import sources
from disco.app.sidebar import controls, plan_controls


def render() -> None:
    disco = sources.require_disco()
    controls.settings_panel()
    settings = plan_controls.plan_panel(disco)
    st.title("Build a playlist with flow")
    st.caption("DISCO extends your seed songs one song at a time: a network trained on real playlists predicts "
               "the ideal next song, and each pick balances closeness to it (flow), key (sweetness) and tempo "
               "(smoothness). The DJ preset (default) mixes keys on the Camelot wheel and tempo like a DJ.")
    with user_errors():
        chosen = seeds.seed_picker(disco.catalog)
        if not chosen:
            st.info("Pick at least one seed song: type an artist or a title above.")
            return
        playlist = editing.build_with_edits(disco, chosen, settings, key="build")  # the plan and the edits
        if playlist is None:
            return
        summary = plan_controls.plan_summary(playlist)
        if summary:
            st.caption(summary)
        playlist_view.show_playlist(disco, playlist, key="build",
                                    below_table=lambda: editing.edit_panel(disco, playlist, key="build"))


if __name__ == "__main__":  # run as a page by app.py
    render()
