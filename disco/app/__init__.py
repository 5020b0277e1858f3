"""The Streamlit dashboard, the only package that imports Streamlit: session state, cached loaders, widgets
and thin views."""
