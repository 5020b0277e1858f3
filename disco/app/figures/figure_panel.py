"""Tabs of Plotly figures that update in place.

``st.plotly_chart`` mounts a new chart whenever its figure changes (the figure is part of the element's
identity): for the 3D trajectory that is a new WebGL context each time, over a second in a browser drawing
without a GPU. This component keeps one chart per tab and redraws it with ``Plotly.react`` (about a fifth of
that), keeping the user's camera; switching tabs happens in the browser, without a rerun.

The component is a static page served by Streamlit: :file:`figure_panel.html` beside this module and a
plotly.js (nothing is fetched from the internet), put together in a folder once per page and plotly.js.
The plotly.js is :file:`figure_panel_plotly.min.js`, a build of the same plotly.js version with only the trace
types the panel draws (:data:`BUNDLED_TRACES`; made by ``tools/plotly_bundle``): a browser reads it in a third
of the time of the full ``plotly.min.js`` the Plotly package ships, which is on the critical path of opening
the Build page. Where the installed Plotly ships another plotly.js version, the full one is served instead.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

import plotly
import streamlit.components.v1 as components

PAGE = Path(__file__).with_suffix(".html")
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
SLIM_PLOTLY_JS = Path(__file__).with_name("figure_panel_plotly.min.js")
BUNDLED_TRACES = frozenset({"scatter", "scatter3d", "scatterpolar", "bar"})  # the trace types of SLIM_PLOTLY_JS
_VERSION = re.compile(rb"plotly\.js v(\d+\.\d+\.\d+\S*)")


def plotly_js_version(path: Path) -> str | None:
    """The plotly.js version a bundle's header names ("plotly.js v4.1.1"), None without one."""
    try:
        with open(path, "rb") as f:
            found = _VERSION.search(f.read(1024))
    except OSError:
        return None
    return found.group(1).decode() if found else None


def plotly_bundle(full: Path = PLOTLY_JS, slim: Path = SLIM_PLOTLY_JS) -> Path:
    """The plotly.js the panel serves: ``slim`` when it is the same plotly.js version as ``full`` (the one the
    installed Plotly writes figures for), else ``full``."""
    version = plotly_js_version(full)
    return slim if version is not None and plotly_js_version(slim) == version else full


def component_folder() -> Path:
    """The folder the component is served from: its page and plotly.min.js (a hard link where possible)."""
    page = PAGE.read_bytes()
    bundle = plotly_bundle()
    with open(bundle, "rb") as f:  # its header and size tell builds apart
        made = f.read(1024) + str(bundle.stat().st_size).encode()
    tag = hashlib.sha256(page + made).hexdigest()[:12]
    folder = Path(tempfile.gettempdir()) / f"disco-figure-panel-{tag}"
    if not (folder / "index.html").is_file():
        staging = Path(tempfile.mkdtemp(prefix="disco-figure-panel-"))
        try:
            os.link(bundle, staging / "plotly.min.js")
        except OSError:  # another file system
            shutil.copyfile(bundle, staging / "plotly.min.js")
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
