"""The Build page's edit panel in headless Chromium: lock a song, move a slider, and the song is still at its
place (marked locked) while the slider moves the others.

Needs /usr/bin/chromium, the real catalog and the trained models (as tests/test_browser.py); skipped otherwise.
"""

from __future__ import annotations

import re

import pytest
from test_browser import cannot_run, launch, serve_app, set_slider, settled_titles, wait_ready

from disco.app.playlist_table import LOCK

SWEETNESS = "sweetness (key consonance)"
PRESSES = 10  # slider steps of 0.1: 0.7 -> 1.7


def choose_song(page, position: int) -> None:
    """Pick the set's song at ``position`` (0-based) in the edit panel."""
    box = page.locator('[data-testid="stSelectbox"]').filter(has=page.get_by_label("song to edit"))
    box.scroll_into_view_if_needed()
    box.click()
    page.locator('[role="option"]').filter(has_text=re.compile(rf"^{position + 1}\. ")).first.click()
    page.get_by_text(f"Alternatives for #{position + 1}").wait_for(timeout=60_000)


@pytest.mark.browser
@pytest.mark.slow
def test_a_locked_song_keeps_its_place_when_a_slider_moves(tmp_path):
    reason = cannot_run()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with serve_app(log_path=tmp_path / "streamlit.log") as url, sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.goto(url)
            wait_ready(page, 90_000)
            before = settled_titles(page)
            set_slider(page, SWEETNESS, PRESSES)
            after = settled_titles(page)
            # a place the slider changes: there the lock is what keeps the song
            moved = [p for p in range(1, len(before)) if before[p] != after[p]]
            assert moved, "the slider changed nothing: a lock could not be told from no lock"
            position = moved[0]
            set_slider(page, SWEETNESS, -PRESSES)
            assert settled_titles(page) == before

            choose_song(page, position)
            page.get_by_role("button", name="Lock", exact=True).click()
            page.get_by_role("button", name="Unlock", exact=True).wait_for(timeout=60_000)
            locked = settled_titles(page)
            assert locked[position] == f"{LOCK} {before[position]}"
            page.get_by_text(f"locked: #{position + 1}").wait_for(timeout=30_000)

            set_slider(page, SWEETNESS, PRESSES)
            wait_ready(page)
            rebuilt = settled_titles(page)
            assert rebuilt[position] == f"{LOCK} {before[position]}"
            if len(moved) > 1:
                assert rebuilt != locked  # the others were rebuilt with the new setting
            page.screenshot(path=str(tmp_path / "locked.png"))
        finally:
            browser.close()
