"""Build: pick seed songs, tune the loss, get an ordered playlist with its flow views and downloads."""

import streamlit as st

from disco import ui


def body() -> None:
    disco = ui.require_disco()
    settings = ui.engine_settings()
    st.title("Build a playlist with flow")
    st.caption("DISCO extends your seed songs one song at a time: a recurrent network trained on real playlists "
               "predicts the ideal next song, and each pick balances closeness to that prediction (flow), key "
               "consonance (sweetness) and tempo (smoothness). The DJ preset (default) scores keys on the Camelot "
               "wheel and tempo like a DJ; the Reference preset is the spec's algorithm.")
    seeds = ui.seed_picker(disco.catalog)
    if not seeds:
        st.info("Pick at least one seed song: type an artist or a title above.")
        return
    playlist = ui.build(disco, seeds, settings)
    ui.show_playlist(disco, playlist, key="build")


ui.run_page(body)
