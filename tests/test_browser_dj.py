"""What a DJ checks in headless Chromium: a 50-song set drawn in every view of the figure panel (the Camelot
wheel, the folded tempo, the 3D trajectory with all 50 songs, the strip, the flow and the loss terms), the 3D
view on a phone, and the Reorder page showing the given order and DISCO's side by side with both scores.

Needs /usr/bin/chromium, the real catalog and the trained models (as tests/test_browser.py); skipped otherwise.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import pytest

from disco.plots.trajectory import CAMERA_EYE
from support.browser import (
    PANEL,
    dashboard,
    open_page,
    slide_to,
    slider_value,
    table_rows,
    trajectory_points,
    wait_count,
    wait_ready,
    wait_rows,
)

LENGTH = "playlist length"
LONGEST = 50  # the slider's top (disco.app.plan_controls.LENGTH_RANGE)
REORDERED = 12  # songs pasted on the Reorder page
SCORES = '[data-testid="stDataFrame"]'


def catalog_ids(n: int) -> list[str]:
    """``n`` distinct track ids of the real catalog, spread over it (not one playlist's neighbours)."""
    path = Path(os.environ.get("DISCO_DATA_DIR", "data")) / "spotify_songs.csv"
    with open(path, newline="", encoding="utf-8") as f:
        ids = list(dict.fromkeys(row["track_id"] for row in csv.DictReader(f) if row.get("track_id")))
    step = max(len(ids) // n, 1)
    return ids[::step][:n]


def trace_length(page, nth: int, tab: str, trace: str) -> int:
    """Points of the trace named ``trace`` in ``tab`` of the ``nth`` figure panel, read from the rendered
    Plotly graph (-1 while it is not drawn; -2 when it was drawn as another trace type than the figure asks,
    which is what plotly.js does with a type it was built without)."""
    return page.evaluate("""([nth, tab, trace]) => {
        const frame = [...document.querySelectorAll('iframe')].filter(f => f.title.includes('figure_panel'))[nth];
        let div = null;
        try { div = frame.contentDocument.querySelector(`[role="tabpanel"][aria-label="${tab}"]`); }
        catch (e) { return -1; }
        const t = ((div && div._fullData) || []).find(t => t.name === trace);
        if (!t) return -1;  // the pane is the Plotly graph
        if (t.type !== (div.data[t.index].type || 'scatter')) return -2;
        return (t.x || t.theta).length;
    }""", [nth, tab, trace])


def panel_title(page, nth: int, tab: str) -> str:
    pane = page.frame_locator(PANEL).nth(nth).locator(f'[role="tabpanel"][aria-label="{tab}"]')
    return pane.locator(".gtitle").first.text_content()  # SVG text: no inner text


def panel_has(page, nth: int, tab: str, selector: str, timeout_ms: int = 30_000) -> None:
    """Open ``tab`` of the ``nth`` figure panel and wait for ``selector`` inside that tab's pane."""
    panel = page.frame_locator(PANEL).nth(nth)
    panel.get_by_role("tab", name=tab, exact=True).click()
    panel.locator(f'[role="tabpanel"][aria-label="{tab}"] {selector}').first.wait_for(timeout=timeout_ms)


@pytest.mark.browser
@pytest.mark.slow
def test_a_50_song_set_in_the_wheel_the_tempo_view_and_the_3d_plot(tmp_path):
    with dashboard(tmp_path) as page:
        start = int(slider_value(page, LENGTH))
        assert start < LONGEST, "the default set is already the longest: nothing to move"
        slide_to(page, LENGTH, LONGEST, 1)
        wait_rows(page, LONGEST, timeout=120)
        wait_ready(page, 120_000)
        assert table_rows(page) == LONGEST
        page.get_by_text(re.compile(rf"^{LONGEST} songs")).first.wait_for(timeout=30_000)

        page.locator(PANEL).first.scroll_into_view_if_needed()
        # the 3D trajectory: a WebGL scene holding every song of the set
        panel_has(page, 0, "Flow in 3D", ".main-svg")
        panel_has(page, 0, "Flow in 3D", ".gl-container canvas")
        wait_count(lambda: trajectory_points(page), LONGEST, "3D plot's songs", timeout=60)
        # the Camelot wheel and the folded tempo, drawn when their tab opens
        panel_has(page, 0, "Key wheel", ".main-svg")
        wait_count(lambda: trace_length(page, 0, "Key wheel", "songs"), LONGEST, "wheel's songs")
        assert re.search(rf"Camelot wheel: \d+ of {LONGEST - 1} compatible", panel_title(page, 0, "Key wheel"))
        panel_has(page, 0, "Tempo", ".main-svg")
        wait_count(lambda: trace_length(page, 0, "Tempo", "folded BPM"), LONGEST, "tempo view's songs")
        assert re.search(rf"folding double/half time: \d+ of {LONGEST - 1} moves",
                         panel_title(page, 0, "Tempo"))
        # the other tabs: every trace type of the panel is drawn by the plotly.js it is served
        for tab, trace, points in (("Key strip", "songs", LONGEST), ("Flow over the set", "energy", LONGEST),
                                   ("Loss terms", "flow x distance", LONGEST - 1)):
            panel_has(page, 0, tab, ".main-svg")
            wait_count(lambda tab=tab, trace=trace: trace_length(page, 0, tab, trace), points, f"{tab}'s {trace}")
        panel_has(page, 0, "Tempo", ".main-svg")
        wheel = page.frame_locator(PANEL).first.locator('[role="tabpanel"][aria-label="Key wheel"]')
        tempo = page.frame_locator(PANEL).first.locator('[role="tabpanel"][aria-label="Tempo"]')
        assert not wheel.is_visible() and tempo.is_visible()  # one tab at a time
        page.screenshot(path=str(tmp_path / "fifty.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.slow
def test_reorder_pasted_songs_shows_both_orders_and_both_scores(tmp_path):
    ids = catalog_ids(REORDERED)
    assert len(ids) == REORDERED
    with dashboard(tmp_path) as page:
        open_page(page, "Reorder")
        box = page.get_by_role("textbox", name="Track ids / URIs / links")
        box.wait_for(timeout=30_000)
        page.get_by_text("Paste or upload at least two songs to reorder.").wait_for(timeout=30_000)
        box.fill("\n".join(ids))
        box.press("Control+Enter")  # a text area submits on Ctrl+Enter (or when it loses focus)

        page.get_by_role("heading", name=f"Your order and DISCO's ({REORDERED} songs)").wait_for(timeout=120_000)
        page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=120_000)
        # both orders, side by side, each with its total loss
        moves = rf"total loss -?\d+\.\d\d, \d+ of {REORDERED - 1} moves"
        mine = page.get_by_text(re.compile(rf"^Your order: {moves}"))
        theirs = page.get_by_text(re.compile(rf"^DISCO's order: {moves}"))
        mine.wait_for(timeout=30_000)
        theirs.wait_for(timeout=30_000)
        left, right = mine.bounding_box(), theirs.bounding_box()
        assert abs(left["y"] - right["y"]) < 5 and left["x"] < right["x"], (left, right)
        # each side's key path is drawn in its own figure panel (a third one, below, is DISCO's order's)
        for side in (0, 1):
            page.locator(PANEL).nth(side).scroll_into_view_if_needed()
            panel_has(page, side, "Key wheel", ".main-svg")
            wait_count(lambda: trace_length(page, side, "Key wheel", "songs"), REORDERED, "wheel's songs")

        # the score table: each loss term and the total for both orders
        scores = page.locator(SCORES).filter(has=page.locator('[role="columnheader"]', has_text="your order"))
        scores.wait_for(state="attached", timeout=30_000)  # the grid's accessible copy is never visible
        grid = scores.locator('[role="grid"]')
        headers = grid.locator('[role="columnheader"]').all_inner_texts()
        for column in ("score (lower is better)", "your order", "DISCO's order", "change"):
            assert column in headers, headers
        rows = grid.locator('[role="row"]').filter(has=page.locator('[role="gridcell"]', has_text="total loss"))
        cells = rows.first.locator('[role="gridcell"]').all_inner_texts()
        assert cells[0] == "total loss", cells
        given, disco, delta = (float(c) for c in cells[1:4])  # the grid's copy holds the unrounded values
        assert disco <= given + 1e-9, "DISCO's order scores worse than the given one"
        assert f"total loss {given:.2f}" in mine.inner_text()
        assert f"total loss {disco:.2f}" in theirs.inner_text()
        assert delta == pytest.approx(disco - given)
        # the metric above them names the same two totals
        metric = page.locator('[data-testid="stMetric"]').filter(has_text="total loss (lower is better)")
        assert f"{disco:.2f}" in metric.inner_text() and f"was {given:.2f}" in metric.inner_text()
        page.screenshot(path=str(tmp_path / "reorder.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.slow
def test_on_a_phone_the_3d_box_steps_back_and_its_axes_are_named_in_a_note_that_fits(tmp_path):
    with dashboard(tmp_path, width=390, height=844) as page:
        page.locator(PANEL).first.scroll_into_view_if_needed()
        panel_has(page, 0, "Flow in 3D", ".gl-container canvas")
        seen = page.evaluate("""() => {
            const frame = [...document.querySelectorAll('iframe')].find(f => f.title.includes('figure_panel'));
            const doc = frame.contentDocument;
            const div = doc.querySelector('[role="tabpanel"][aria-label="Flow in 3D"]');
            const note = doc.querySelector('[role="tabpanel"][aria-label="Flow in 3D"] .annotation-text');
            const box = note.getBoundingClientRect();
            return {eye: div._fullLayout.scene.camera.eye.x,
                    note: note.textContent, left: box.left, right: box.right, width: doc.body.clientWidth};
        }""")
        assert seen["eye"] > 1.2 * CAMERA_EYE["x"], seen  # farther than on a wide screen: the box's labels fit
        assert seen["note"].startswith("PC1: ") and "PC3: " in seen["note"], seen
        assert 0 <= seen["left"] and seen["right"] <= seen["width"], seen  # the note is not cut
