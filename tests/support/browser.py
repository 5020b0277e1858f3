"""The dashboard served locally and driven in headless Chromium (playwright): launching, waiting for the page,
reading the table and the 3D plot, moving sliders. Skips the test when Chromium, the catalog or the models are
missing."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

import pytest

from disco.app.local_server import local_server

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
SEARCH_LABEL = "Search a seed song (artist or title)"
TABLE = '[data-testid="stDataFrame"]'
PANEL = 'iframe[title*="figure_panel"]'
PLOTTED = """() => [...document.querySelectorAll('iframe')].some(f => {
    try { return !!f.contentDocument.querySelector('.js-plotly-plot .main-svg'); } catch (e) { return false; } })"""
# Counts the script's runs as the page's root element reports them (Streamlit's data-test-script-state): a test
# waits for the run its own action started, never for a quiet period, so a slow machine only makes it slower.
RUN_COUNTER = """(() => {
    const runs = window.__discoRuns = {started: 0, finished: 0, state: null};
    new MutationObserver(() => {
        const app = document.querySelector('[data-test-script-state]');
        const state = app ? app.getAttribute('data-test-script-state') : null;
        if (state === runs.state) return;
        const idle = (s) => s === null || s === 'initial' || s === 'notRunning';
        if (idle(runs.state) && !idle(state)) runs.started += 1;
        if (!idle(runs.state) && state === 'notRunning') runs.finished += 1;
        runs.state = state;
    }).observe(document, {subtree: true, childList: true, attributes: true,
                          attributeFilter: ['data-test-script-state']});
})();"""
IDLE = "() => window.__discoRuns && window.__discoRuns.state === 'notRunning'"
WEIGHT_LABELS = ("flow (feature distance)", "spicy (scale of the prediction)", "sweetness (key consonance)",
                 "smoothness (tempo)")


def serve_app(env: dict | None = None, timeout: float = 60.0, log_path: Path | None = None):
    """The dashboard (``app.py``) served locally for a ``with`` block; yields its URL."""
    return local_server(ROOT / "app.py", cwd=ROOT, env=env, log_path=log_path, timeout=timeout)


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def table_rows(page) -> int:
    """Data rows of the first playlist table (the grid's aria-rowcount counts the header row)."""
    grid = page.locator(f'{TABLE} [role="grid"]').first
    return int(grid.get_attribute("aria-rowcount")) - 1


def wait_count(count, n: int, what: str, timeout: float = 30.0, poll: float = 0.05) -> None:
    """Poll ``count()`` until it returns ``n``; AssertionError naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while (got := count()) != n:
        if time.monotonic() > deadline:
            raise AssertionError(f"the {what} shows {got}, expected {n}")
        time.sleep(poll)


def wait_rows(page, n: int, timeout: float = 30.0) -> None:
    wait_count(lambda: table_rows(page), n, "table's row count", timeout)


def wait_ready(page, timeout_ms: int = 60_000) -> None:
    """Wait for the table and the 3D plot, and for Streamlit to finish running the script."""
    page.wait_for_selector(TABLE, timeout=timeout_ms)
    page.wait_for_function(PLOTTED, timeout=timeout_ms)
    page.wait_for_function(IDLE, timeout=timeout_ms)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=timeout_ms)


def rerun_by(page, action, timeout_ms: int = 60_000) -> None:
    """Do ``action()`` (a widget change) and wait until the script run it started has finished."""
    started = page.evaluate("() => window.__discoRuns.started")
    action()
    page.wait_for_function(f"() => window.__discoRuns.started > {started} && ({IDLE})()", timeout=timeout_ms)


def trajectory_points(page) -> int:
    """Points of the 3D plot's "playlist" trace, read from the rendered Plotly graph in the panel's frame."""
    return page.evaluate("""() => {
        for (const f of document.querySelectorAll('iframe')) {
            let divs = [];
            try { divs = [...f.contentDocument.querySelectorAll('.js-plotly-plot')]; } catch (e) { continue; }
            for (const d of divs) {
                // _fullData holds the decoded arrays (data may still hold base64 typed-array specs)
                const t = (d._fullData || []).find(t => t.name === 'playlist');
                if (t) return t.x.length;
            }
        }
        return -1;
    }""")


def slider_thumb(page, label: str):
    return page.locator(f'[role="group"][aria-label="{label}"] input[type="range"]')


def slider_value(page, label: str) -> float:
    return float(slider_thumb(page, label).get_attribute("value"))


def open_page(page, title: str) -> None:
    """Click ``title`` in the sidebar's navigation."""
    page.locator('[data-testid="stSidebarNavLink"]').filter(has_text=title).click()


def table_column(page, name: str) -> list[str]:
    """A column of the playlist table as shown, from the grid's accessible cells (filled once the grid has
    drawn; all rows fit the table's height)."""
    grid = page.locator(f'{TABLE} [role="grid"]').first
    header = grid.locator('[role="columnheader"]').filter(has_text=name).first
    header.wait_for(state="attached", timeout=30_000)  # the accessible copy of the grid is never visible
    column = grid.locator('[role="columnheader"]').all_inner_texts().index(name) + 1
    cells = grid.locator(f'[role="gridcell"][aria-colindex="{column}"]')
    wait_count(cells.count, table_rows(page), f"table's {name} cells")
    return cells.all_inner_texts()


def table_titles(page) -> list[str]:
    return table_column(page, "title")


def settled_titles(page) -> list[str]:
    """:func:`table_titles` once the script has finished its run (the actions that change the table wait for
    the run they start: :func:`rerun_by`)."""
    wait_ready(page)
    return table_titles(page)


def set_slider(page, label: str, presses: int) -> None:
    """Move a slider with the keyboard, one step at a time, each step's rerun finished before the next:
    ``presses`` > 0 steps right, < 0 left."""
    thumb = slider_thumb(page, label)
    key = "ArrowRight" if presses > 0 else "ArrowLeft"
    for _ in range(abs(presses)):
        thumb.focus()
        rerun_by(page, lambda: page.keyboard.press(key))


def slide_to(page, label: str, target: float, step: float, tries: int = 3) -> None:
    """Move a slider to ``target`` (its step ``step``) with the keyboard, step by step (:func:`set_slider`),
    until it shows ``target``: an AssertionError after ``tries`` rounds that did not get there."""
    for _ in range(tries):
        now = slider_value(page, label)
        if abs(now - target) <= step / 2:
            return
        set_slider(page, label, round((target - now) / step))
    now = slider_value(page, label)
    if abs(now - target) > step / 2:
        raise AssertionError(f"the {label} slider shows {now:g}, expected {target:g}")


def cannot_run() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} missing (apt-get install chromium chromium-driver)"
    data = Path(os.environ.get("DISCO_DATA_DIR", "data")) / "spotify_songs.csv"
    if not data.is_file():
        return "real catalog absent: set DISCO_DATA_DIR to a folder holding spotify_songs.csv"
    models = Path(os.environ.get("DISCO_MODELS_DIR", ROOT / "models"))
    if not (models / "model_card.json").is_file():
        return f"no trained model in {models}"
    return None


@contextlib.contextmanager
def dashboard(tmp_path: Path, width: int = 1440, height: int = 1000):
    """The Build page of a new server in headless Chromium, ready (its first playlist shown): yields the page.
    Skips the test with the reason when Chromium, the real catalog or the models are missing."""
    reason = cannot_run()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with serve_app(log_path=tmp_path / "streamlit.log") as url, sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.add_init_script(RUN_COUNTER)
            page.goto(url)
            wait_ready(page, 90_000)
            yield page
        finally:
            browser.close()
