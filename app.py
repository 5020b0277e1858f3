"""DISCO dashboard entry point (``streamlit run app.py``)."""

import streamlit as st

st.set_page_config(page_title="DISCO", page_icon="🪩", layout="wide")
st.title("DISCO — playlists with flow")
st.write("The dashboard is being built; use `python -m disco --help` meanwhile.")
