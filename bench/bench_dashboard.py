"""Dashboard speed in headless Chromium: the three waits of the Build loop, medians of several runs.

    DISCO_DATA_DIR=/path/to/data python bench/bench_dashboard.py [--runs 5]

- open: a new browser context (empty browser cache, new session) opens the Build page, until the playlist
  table and the 3D plot show every song. Compared with a bare Streamlit page the bench writes itself (the same
  table and a 3D scatter of the same points, nothing else), opened the same way, alternating runs: target
  Build <= 1.3 x bare, both measured in this run.
- slider: one keyboard step of "playlist length", until the table and the 3D plot show the new length:
  target 0.8 s.
- search: one keystroke in the seed search, until the matches for the text typed so far are offered:
  target 0.3 s.

Both servers are started once and warmed (one open each: the catalog and the model loaded); the first open
after the server starts is printed too, without a target. The machine is shared: compare the ratio, not the
absolute times.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from disco import config
from disco.app.local_server import local_server

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
VIEWPORT = {"width": 1440, "height": 1000}
SEARCH_LABEL = "Search a seed song (artist or title)"
OPEN_RATIO, SLIDER_TARGET, SEARCH_TARGET = 1.3, 0.8, 0.3
QUERIES = ("queen", "adele", "daft punk", "drake", "coldplay")

BARE_PAGE = '''\
"""A bare Streamlit page: the Build page's table and a 3D scatter of the same points, nothing else."""
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

here = Path(__file__).parent
st.dataframe(pd.read_pickle(here / "table.pkl"), hide_index=True)
xyz = np.load(here / "points.npy")
st.plotly_chart(go.Figure(go.Scatter3d(x=xyz[:, 0], y=xyz[:, 1], z=xyz[:, 2], mode="lines+markers",
                                       name="playlist")))
'''

# rows of the first table (aria-rowcount counts the header) and points of the first 3D trace, -1 when absent
SHOWN = """() => {
    const grid = document.querySelector('[data-testid="stDataFrame"] [role="grid"]');
    const rows = grid ? Number(grid.getAttribute('aria-rowcount')) - 1 : -1;
    let points = -1;
    const docs = [document, ...[...document.querySelectorAll('iframe')].map(f => {
        try { return f.contentDocument; } catch (e) { return null; } }).filter(Boolean)];
    for (const d of docs.flatMap(doc => [...doc.querySelectorAll('.js-plotly-plot')])) {
        const t = (d._fullData || []).find(t => t.type === 'scatter3d' && t.name === 'playlist');
        if (t && d.querySelector('.main-svg')) { points = t.x.length; break; }
    }
    return [rows, points];
}"""
SHOWS = f"n => {{ const [r, p] = ({SHOWN})(); return r === n && p === n; }}"
MATCHES = """q => [...document.querySelectorAll('[data-testid="stSelectbox"] label')]
    .some(l => l.innerText.includes(' for \u201c' + q.trim() + '\u201d'))"""


def cannot_run() -> str | None:
    """Why the bench cannot run here (no browser, data or model), else None."""
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} missing (apt-get install chromium chromium-driver)"
    if not config.default_dataset_path().is_file():
        return f"no catalog at {config.default_dataset_path()}: set DISCO_DATA_DIR"
    if not (config.models_dir() / "model_card.json").is_file():
        return f"no trained model in {config.models_dir()}"
    return None


def write_bare_page(folder: Path) -> tuple[Path, int]:
    """The bare page and its data (the Build page's first table and 3D points). Returns (script, songs)."""
    import numpy as np
    import streamlit.logger

    streamlit.logger.set_log_level("error")  # the dashboard's caches warn when imported outside a server

    from disco.app.playlist.playlist_table import dj_table
    from disco.app.playlist.seeds import default_seed
    from disco.app.session.state import SessionSettings
    from disco.engine.service import Disco
    from disco.export.formats import playlist_frame

    disco = Disco.load()
    request = SessionSettings()
    playlist = disco.build([default_seed(disco.catalog)], request.engine, length=request.length,
                           pool=request.pool, pool_size=request.pool_size)
    dj_table(playlist_frame(disco.catalog, playlist)).to_pickle(folder / "table.pkl")
    np.save(folder / "points.npy", np.asarray(disco.arrays.pca)[np.asarray(playlist.indices)])
    script = folder / "bare.py"
    script.write_text(BARE_PAGE)
    return script, len(playlist)


def open_time(browser, url: str, songs: int) -> float:
    """Seconds from opening ``url`` in a new context to the table and the 3D plot showing ``songs``."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        start = time.perf_counter()
        page.goto(url)
        page.wait_for_function(SHOWS, arg=songs, timeout=120_000, polling=10)
        return time.perf_counter() - start
    finally:
        context.close()


def slider_times(page, runs: int) -> list[float]:
    """Seconds from a keyboard step of the length slider to the table and the plot showing the new length."""
    thumb = page.locator('[role="group"][aria-label="playlist length"] input[type="range"]')
    n = int(thumb.get_attribute("value"))
    times = []
    for i in range(runs):
        step = -1 if i % 2 == 0 else 1
        thumb.focus()
        start = time.perf_counter()
        page.keyboard.press("ArrowLeft" if step < 0 else "ArrowRight")
        n += step
        page.wait_for_function(SHOWS, arg=n, timeout=60_000, polling=10)
        times.append(time.perf_counter() - start)
        page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=60_000)
        time.sleep(0.5)
    return times


def search_times(page, runs: int) -> list[float]:
    """Seconds from a keystroke in the seed search to the matches for the text typed so far; the first two
    letters of each query are typed unmeasured."""
    box = page.get_by_label(SEARCH_LABEL, exact=True)
    times = []
    for query in (QUERIES * runs)[:max(runs, 1)]:
        box.fill("")
        box.press_sequentially(query[:2])
        page.wait_for_function(MATCHES, arg=query[:2], timeout=60_000, polling=10)
        for end in range(3, len(query) + 1):
            start = time.perf_counter()
            box.press(query[end - 1])
            page.wait_for_function(MATCHES, arg=query[:end], timeout=60_000, polling=10)
            times.append(time.perf_counter() - start)
    box.fill("")
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each measure (the median is printed)")
    args = parser.parse_args()
    reason = cannot_run()
    if reason:
        print(f"cannot run: {reason}")
        return 2
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory(prefix="disco-bench-") as tmp, sync_playwright() as pw:
        folder = Path(tmp)
        bare, songs = write_bare_page(folder)
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        with local_server(ROOT / "app.py", cwd=ROOT, log_path=folder / "app.log") as app_url, \
                local_server(bare, cwd=ROOT, log_path=folder / "bare.log") as bare_url:
            first = open_time(browser, app_url, songs)  # loads the catalog and the model
            open_time(browser, bare_url, songs)
            app_open, bare_open = [], []
            for _ in range(args.runs):
                app_open.append(open_time(browser, app_url, songs))
                bare_open.append(open_time(browser, bare_url, songs))
            page = browser.new_page(viewport=VIEWPORT)
            page.goto(app_url)
            page.wait_for_function(SHOWS, arg=songs, timeout=120_000, polling=10)
            slider = slider_times(page, max(args.runs, 5))
            search = search_times(page, args.runs)
        browser.close()

    app_med, bare_med = statistics.median(app_open), statistics.median(bare_open)
    rows += [
        ("open Build, first after the server starts", first, None),
        (f"open Build: new session -> table + 3D plot (median of {len(app_open)})", app_med, None),
        (f"open bare page: same table + 3D scatter (median of {len(bare_open)})", bare_med, None),
        ("open Build / open bare page (ratio)", app_med / bare_med, OPEN_RATIO),
        (f"slider step -> updated table + 3D plot (median of {len(slider)})", statistics.median(slider),
         SLIDER_TARGET),
        (f"search keystroke -> matches (median of {len(search)})", statistics.median(search), SEARCH_TARGET),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'measure'.ljust(width)}    value  target  met")
    for name, value, target in rows:
        unit = "x" if "ratio" in name else "s"
        met = "" if target is None else ("yes" if value <= target else "NO")
        tgt = "" if target is None else f"{target:g} {unit}"
        print(f"{name.ljust(width)}  {value:5.2f} {unit}  {tgt:>6}  {met}")
    print("runs (s): open Build " + " ".join(f"{t:.2f}" for t in app_open)
          + " | bare " + " ".join(f"{t:.2f}" for t in bare_open)
          + " | slider " + " ".join(f"{t:.2f}" for t in slider)
          + " | search " + " ".join(f"{t:.2f}" for t in search))
    return 0


if __name__ == "__main__":
    sys.exit(main())
