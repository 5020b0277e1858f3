"""Tabs of Plotly figures that update in place.

``st.plotly_chart`` mounts a new chart whenever its figure changes (the figure is part of the element's
identity): for the 3D trajectory that is a new WebGL context each time, over a second in a browser drawing
without a GPU. This component keeps one chart per tab and redraws it with ``Plotly.react`` (about a fifth of
that), keeping the user's camera; switching tabs happens in the browser, without a rerun.

The component is a static page served by Streamlit: :file:`figure_panel.html` beside this module and the
``plotly.min.js`` the Plotly package ships (nothing is fetched from the internet), put together in a folder
once per page and Plotly version.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

import plotly
import streamlit.components.v1 as components

PAGE = Path(__file__).with_suffix(".html")
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def component_folder() -> Path:
    """The folder the component is served from: its page and plotly.min.js (a hard link where possible)."""
    page = PAGE.read_bytes()
    tag = hashlib.sha256(page + plotly.__version__.encode()).hexdigest()[:12]
    folder = Path(tempfile.gettempdir()) / f"disco-figure-panel-{tag}"
    if not (folder / "index.html").is_file():
        staging = Path(tempfile.mkdtemp(prefix="disco-figure-panel-"))
        try:
            os.link(PLOTLY_JS, staging / "plotly.min.js")
        except OSError:  # another file system
            shutil.copyfile(PLOTLY_JS, staging / "plotly.min.js")
        (staging / "index.html").write_bytes(page)
        try:
            staging.rename(folder)
        except OSError:  # made meanwhile by another process
            shutil.rmtree(staging, ignore_errors=True)
    return folder


@functools.cache
def _component():
    return components.declare_component("figure_panel", path=str(component_folder()))


def figure_panel(figures: Mapping[str, str], *, key: str) -> None:
    """Tabs titled by the keys of ``figures``, each showing a figure given as its Plotly JSON; the panel of
    ``key`` is updated in place on the next run (keep the titles: a new set of tabs starts over)."""
    _component()(figures=[{"title": title, "spec": spec} for title, spec in figures.items()], key=key,
                 default=None)
