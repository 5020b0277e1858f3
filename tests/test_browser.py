"""The dashboard in headless Chromium: search and pick a seed, move a slider, see the table and the 3D plot
(drawn in the figure panel's frame); switch pages and come back to the same settings and playlist.

Needs /usr/bin/chromium (Debian packages chromium + chromium-driver, installed by .ci/run), the real
catalog and the trained models; skipped otherwise.
"""

from __future__ import annotations

import pytest

from support.browser import (
    PANEL,
    SEARCH_LABEL,
    WEIGHT_LABELS,
    dashboard,
    open_page,
    settled_titles,
    slide_to,
    slider_thumb,
    slider_value,
    table_column,
    table_rows,
    trajectory_points,
    wait_count,
    wait_ready,
    wait_rows,
)


@pytest.mark.browser
@pytest.mark.slow
def test_pick_a_seed_move_a_slider_and_see_the_playlist(tmp_path):
    with dashboard(tmp_path, width=1500, height=1200) as page:
        length = int(slider_thumb(page, "playlist length").get_attribute("value"))
        assert table_rows(page) == length
        wait_count(lambda: trajectory_points(page), length, "3D plot's songs")
        # the seed's row has no move: empty cells, never "None"
        for column in ("key mix", "tempo mix"):
            cells = table_column(page, column)
            assert cells[0].strip() == "" and "None" not in cells, (column, cells)
        # the other views are tabs of the same panel, drawn in the browser without a rerun
        panel = page.frame_locator(PANEL)
        panel.get_by_role("tab", name="Key wheel").click()
        panel.locator('[role="tabpanel"][aria-label="Key wheel"] .main-svg').first.wait_for(timeout=30_000)
        panel.get_by_role("tab", name="Flow in 3D").click()

        page.get_by_label(SEARCH_LABEL, exact=True).fill("bohemian rhapsody")
        select = page.locator('[data-testid="stSelectbox"]').filter(has_text="for “bohemian rhapsody”")
        select.wait_for(timeout=30_000)
        select.click()
        page.locator('[role="option"]').filter(has_text="Queen - Bohemian Rhapsody").first.click()
        page.get_by_text("1. Queen - Bohemian Rhapsody").wait_for(timeout=30_000)
        wait_ready(page)

        slide_to(page, "playlist length", length - 5, 1)
        wait_rows(page, length - 5)
        wait_ready(page)
        wait_count(lambda: trajectory_points(page), length - 5, "3D plot's songs")
        page.locator(PANEL).scroll_into_view_if_needed()
        assert panel.locator('.js-plotly-plot canvas, .js-plotly-plot .gl-container').count() >= 1
        page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
        print(f"screenshot: {tmp_path / 'dashboard.png'}")

        # Build -> Reorder -> Build: the same settings, seeds and playlist
        slide_to(page, "sweetness (key consonance)", 1.2, 0.1)
        titles = settled_titles(page)
        settings = {label: slider_value(page, label) for label in WEIGHT_LABELS}
        assert len(titles) == length - 5
        open_page(page, "Reorder")
        page.get_by_role("textbox", name="Track ids / URIs / links").wait_for(timeout=30_000)
        assert {label: slider_value(page, label) for label in WEIGHT_LABELS} == settings
        open_page(page, "Build")
        page.get_by_text("1. Queen - Bohemian Rhapsody").wait_for(timeout=30_000)
        wait_ready(page)
        assert {label: slider_value(page, label) for label in WEIGHT_LABELS} == settings
        assert slider_value(page, "playlist length") == length - 5
        assert settled_titles(page) == titles
