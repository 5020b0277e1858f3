"""DISCO dashboard entry point: ``streamlit run app.py``. Pages live in ``pages/`` (thin; logic in ``disco``)."""

from pathlib import Path

import streamlit as st

HERE = Path(__file__).resolve().parent

st.set_page_config(page_title="DISCO - playlists with flow", page_icon="🪩", layout="wide")

pages = [
    st.Page("pages/build.py", title="Build", icon=":material/queue_music:", default=True),
    st.Page("pages/reorder.py", title="Reorder", icon=":material/shuffle:"),
]
if (HERE / "pages" / "evaluate.py").is_file():  # added by the evaluation work when present
    pages.append(st.Page("pages/evaluate.py", title="Evaluate", icon=":material/analytics:"))
pages += [
    st.Page("pages/model.py", title="Model", icon=":material/neurology:"),
    st.Page("pages/data.py", title="Data", icon=":material/database:"),
]
page = st.navigation(pages)
st.session_state["_disco_navigation"] = True  # disco.ui.NAV_KEY: this session is routed by app.py
page.run()
