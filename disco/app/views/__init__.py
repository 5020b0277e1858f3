"""The dashboard's pages, one script each: ``app.py`` routes to them with ``st.navigation``.

Each page module has a ``render()`` and calls it when Streamlit runs the file as a page.
"""
