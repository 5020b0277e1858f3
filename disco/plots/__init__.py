"""Plotly figures of playlists, the model and the evaluation (no Streamlit: the dashboard shows them)."""
