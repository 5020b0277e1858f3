"""Running the dashboard in this process through ``streamlit.testing.v1.AppTest`` (no browser), and reading
what a page shows."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
TIMEOUT = 180


def page(name: str) -> str:
    """A page's script, relative to app.py (what ``AppTest.switch_page`` takes)."""
    return f"disco/app/views/{name}.py"


def app_test():
    """A new AppTest of the dashboard (``app.py``), not run yet."""
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(APP, default_timeout=TIMEOUT)


def plain(text: str) -> str:
    """Markdown text as shown: backslash escapes removed."""
    return re.sub(r"\\(.)", r"\1", text)


def assert_clean(at) -> None:
    """The page ran without an exception or an error message."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def table(at, index: int = 0):
    """The ``index``-th table (``st.dataframe``) of the page."""
    return at.dataframe[index].value
