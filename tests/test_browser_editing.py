"""The Build page's edit panel in headless Chromium: lock a song, move a slider, and the song is still at its
place (marked locked) while the slider moves the others.

Needs /usr/bin/chromium, the real catalog and the trained models (as tests/test_browser.py); skipped otherwise.
"""

from __future__ import annotations

import math
import re
import time

import pytest

from disco.app.playlist.playlist_table import LOCK
from support.browser import (
    TABLE,
    dashboard,
    settled_titles,
    slide_to,
    slider_value,
    table_column,
    wait_ready,
)

SWEETNESS = "sweetness (key consonance)"
MOVE = 1.0  # sweetness: the preset 0.7 -> 1.7, enough to change some songs


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
    with dashboard(tmp_path) as page:
        before = settled_titles(page)
        base = slider_value(page, SWEETNESS)
        slide_to(page, SWEETNESS, base + MOVE, 0.1)
        after = settled_titles(page)
        # a place the slider changes: there the lock is what keeps the song
        moved = [p for p in range(1, len(before)) if before[p] != after[p]]
        assert moved, "the slider changed nothing: a lock could not be told from no lock"
        position = moved[0]
        slide_to(page, SWEETNESS, base, 0.1)
        assert settled_titles(page) == before

        choose_song(page, position)
        page.get_by_role("button", name="Lock", exact=True).click()
        page.get_by_role("button", name="Unlock", exact=True).wait_for(timeout=60_000)
        locked = settled_titles(page)
        assert locked[position] == f"{LOCK} {before[position]}"
        page.get_by_text(f"locked: #{position + 1}").wait_for(timeout=30_000)

        slide_to(page, SWEETNESS, base + MOVE, 0.1)
        wait_ready(page)
        rebuilt = settled_titles(page)
        assert rebuilt[position] == f"{LOCK} {before[position]}"
        if len(moved) > 1:
            assert rebuilt != locked  # the others were rebuilt with the new setting
        page.screenshot(path=str(tmp_path / "locked.png"))


def grid_column(grid, name: str) -> list[str]:
    """A column of a data grid as its accessible copy holds it (numbers unrounded)."""
    headers = grid.locator('[role="columnheader"]')
    headers.filter(has_text=name).first.wait_for(state="attached", timeout=30_000)
    column = headers.all_inner_texts().index(name) + 1
    return grid.locator(f'[role="gridcell"][aria-colindex="{column}"]').all_inner_texts()


def open_options(page, label: str, timeout: float = 30.0) -> None:
    """Open the selectbox ``label``'s list of options (a click on the input may only focus it, or land while
    a rerun redraws it: try again)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=60_000)
    box = page.get_by_role("combobox", name=label, exact=True)
    deadline = time.monotonic() + timeout
    while True:
        box.click()
        if box.get_attribute("aria-expanded") != "true":
            page.keyboard.press("ArrowDown")
        try:
            page.locator('[role="option"]').first.wait_for(timeout=2_000)
            return
        except PlaywrightTimeout:
            if time.monotonic() > deadline:
                raise AssertionError(f"the {label!r} selectbox did not open") from None
            page.keyboard.press("Escape")


def song_labels(page) -> list[str]:
    """"artist - title" of each song of the playlist table, the lock taken off the title."""
    titles = [t.removeprefix(f"{LOCK} ") for t in settled_titles(page)]
    return [f"{a} - {t}" for a, t in zip(table_column(page, "artist"), titles)]


@pytest.mark.browser
@pytest.mark.slow
def test_put_an_alternative_in_a_slot_and_it_stays_there_when_a_slider_moves(tmp_path):
    position = 2  # 0-based: the third song, past the seed
    with dashboard(tmp_path) as page:
        before = song_labels(page)
        assert len(before) > position + 1

        choose_song(page, position)
        page.get_by_text(f"(now: {before[position]}, loss ").wait_for(timeout=30_000)
        # the alternatives' table: the one with a "tempo term" column (a data frame carries no key class)
        grid = page.locator(f'{TABLE} [role="grid"]').filter(
            has=page.locator('[role="columnheader"]', has_text="tempo term"))
        grid.wait_for(state="attached", timeout=30_000)
        headers = grid.locator('[role="columnheader"]').all_inner_texts()
        for column in ("song", "key", "BPM", "loss", "key term", "tempo term", "rules broken"):
            assert column in headers, headers
        offered = grid_column(grid, "song")
        assert len(offered) >= 2, offered
        assert before[position] not in offered  # the song already there is no alternative
        scores = {c: [float(v) for v in grid_column(grid, c)] for c in ("loss", "key term", "tempo term")}
        assert all(len(v) == len(offered) and all(math.isfinite(x) for x in v) for v in scores.values())
        assert all(-1 <= x <= 1 for c in ("key term", "tempo term") for x in scores[c]), scores

        pick = offered[1]  # not the default choice: the pick is what puts it there
        open_options(page, f"song for #{position + 1}")
        page.locator('[role="option"]').filter(has_text=pick).first.click()
        page.get_by_role("button", name=f"Put it at #{position + 1}").click()
        page.get_by_text(f"locked: #{position + 1}").wait_for(timeout=60_000)
        wait_ready(page)
        placed = song_labels(page)
        assert placed[position] == pick, (placed, pick)
        assert settled_titles(page)[position].startswith(f"{LOCK} ")  # marked locked
        assert placed.count(pick) == 1  # and only there

        slide_to(page, SWEETNESS, slider_value(page, SWEETNESS) + MOVE, 0.1)
        wait_ready(page)
        rebuilt = song_labels(page)
        assert rebuilt[position] == pick, (rebuilt, pick)
        assert settled_titles(page)[position].startswith(f"{LOCK} ")
        page.screenshot(path=str(tmp_path / "replaced.png"), full_page=True)
