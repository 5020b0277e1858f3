"""The figure panel's plotly.js: the slim build (only the trace types the panel draws) is served with the
pinned Plotly, every figure the panel shows uses only those types, and another plotly.js version gets the full
bundle instead. (tests/test_browser_dj.py draws every tab of the panel in Chromium with the served bundle.)
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from disco.app.figures import figure_panel
from disco.app.figures.playlist_figures import FIGURES, figure_json, figures
from disco.app.reorder.reorder_compare import SIDE_FIGURES
from disco.engine.settings import EngineSettings
from disco.theory.arcs import Arc

RECIPE = Path(__file__).resolve().parent.parent / "tools" / "plotly_bundle" / "entry.js"


def trace_types(fig) -> set[str]:
    return {trace.get("type", "scatter") for trace in json.loads(figure_json(fig))["data"]}


@pytest.mark.parametrize("arc", [None, Arc.named("peak")], ids=["no-arc", "peak-arc"])
def test_every_figure_of_the_panel_uses_only_the_bundled_trace_types(disco, arc):
    settings = EngineSettings(arc=arc)
    playlist = disco.build([0], settings, length=10, pool_size=60)
    used = set()
    for fig in figures(disco, playlist, tuple(FIGURES), with_background=True).values():
        used |= trace_types(fig)
    changed = tuple(i % 2 == 0 for i in range(len(playlist) - 1))  # moves the other order does not make
    for fig in figures(disco, playlist, SIDE_FIGURES, changed=changed).values():  # the Reorder page's panels
        used |= trace_types(fig)
    assert {"scatter", "scatter3d", "scatterpolar", "bar"} <= used  # the check sees every kind of figure
    assert used <= figure_panel.BUNDLED_TRACES, f"not in the slim plotly.js: {used - figure_panel.BUNDLED_TRACES}"


def test_the_recipe_builds_the_trace_types_the_panel_declares():
    required = set(re.findall(r"require\('plotly\.js/lib/(\w+)'\)", RECIPE.read_text()))
    assert required - {"core"} | {"scatter"} == figure_panel.BUNDLED_TRACES  # scatter is in the core


def test_the_slim_bundle_is_served_with_the_pinned_plotly():
    version = figure_panel.plotly_js_version(figure_panel.PLOTLY_JS)
    assert figure_panel.plotly_js_version(figure_panel.SLIM_PLOTLY_JS) == version, (
        f"the installed Plotly ships plotly.js {version}: rebuild the slim bundle (tools/plotly_bundle/README.md)")
    assert figure_panel.plotly_bundle() == figure_panel.SLIM_PLOTLY_JS
    folder = figure_panel.component_folder()
    assert (folder / "plotly.min.js").read_bytes() == figure_panel.SLIM_PLOTLY_JS.read_bytes()
    assert (folder / "index.html").read_bytes() == figure_panel.PAGE.read_bytes()


@pytest.mark.parametrize(("full_header", "slim_header", "served"), [
    ("/** plotly.js v4.1.1 */", "/*! plotly.js v4.1.1 (scatter, ...) */", "slim"),
    ("/** plotly.js v4.2.0 */", "/*! plotly.js v4.1.1 (scatter, ...) */", "full"),  # another Plotly installed
    ("/** plotly.js v4.1.1 */", "var Plotly = {};", "full"),  # a slim file that names no version
    ("/** plotly.js v4.1.1 */", None, "full"),  # no slim file
])
def test_another_plotly_js_version_gets_the_full_bundle(tmp_path, full_header, slim_header, served):
    full, slim = tmp_path / "plotly.min.js", tmp_path / "slim.min.js"
    full.write_text(full_header + "\nvar Plotly = {};")
    if slim_header is not None:
        slim.write_text(slim_header + "\nvar Plotly = {};")
    assert figure_panel.plotly_bundle(full, slim) == {"slim": slim, "full": full}[served]
