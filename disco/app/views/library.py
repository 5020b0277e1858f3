"""Library: your own music (a folder or picked files, scanned into songs for Build and Reorder) and your DJ
library (Rekordbox, Traktor, Mixxx: its playlists reordered and given back in its format)."""

import streamlit as st

from disco.app.errors import user_errors
from disco.app.library import library_dj_panel, library_scan_panel
from disco.app.sidebar import controls


def render() -> None:
    settings = controls.settings_panel()
    st.title("Your library")
    music, dj = st.tabs(["Your music files", "DJ library"])
    with music:
        library_scan_panel.section()
    with dj, user_errors():
        library_dj_panel.section(settings)


if __name__ == "__main__":  # run as a page by app.py
    render()
