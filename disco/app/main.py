"""DISCO's dashboard: ``disco app`` (in a checkout also ``streamlit run app.py``). Navigation only; each page is a
script in disco/app/views/."""

import streamlit as st

from disco.app.pages import page_file

st.set_page_config(page_title="DISCO - playlists with flow", page_icon="🪩", layout="wide")
st.navigation([
    st.Page(page_file("build"), title="Build", url_path="build", default=True, icon=":material/queue_music:"),
    st.Page(page_file("reorder"), title="Reorder", url_path="reorder", icon=":material/shuffle:"),
    st.Page(page_file("library"), title="Library", url_path="library", icon=":material/library_music:"),
    st.Page(page_file("evaluate"), title="Evaluate", url_path="evaluate", icon=":material/analytics:"),
    st.Page(page_file("model"), title="Model", url_path="model", icon=":material/neurology:"),
    st.Page(page_file("data"), title="Data", url_path="data", icon=":material/database:"),
]).run()
