"""The dashboard's pages, one script each: ``app.py`` routes to them with ``st.navigation``.

Each page module has a ``render()`` and calls it when Streamlit runs the file as a page.
"""

from pathlib import Path

HERE = Path(__file__).resolve().parent


def page_file(name: str) -> Path:
    """The script of the page ``name`` ("build", "reorder", "evaluate", "model", "data")."""
    return HERE / f"{name}.py"
