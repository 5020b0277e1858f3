"""Dashboard speed in headless Chromium: cold start to the first rendered playlist, and a slider change to
the updated 3D plot (targets 6 s and 1 s).

    DISCO_DATA_DIR=/path/to/data python bench/bench_dashboard.py [--repeats 6]

Cold start = a fresh ``streamlit run`` (empty caches) from process launch, and from opening the page, to
the playlist table and the 3D plot being rendered with the script finished. Slider change = one
keyboard step of the "playlist length" slider until the plot shows the new number of songs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from test_browser import (_skip_reason, launch, serve_app, slider_thumb, trajectory_points,  # noqa: E402
                          wait_count, wait_ready)

COLD_TARGET, SLIDER_TARGET = 6.0, 1.0


def wait_points(page, n: int, timeout: float = 30.0) -> None:
    wait_count(lambda: trajectory_points(page), n, "3D plot's song count", timeout, poll=0.01)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=6, help="slider changes to time")
    args = parser.parse_args()
    reason = _skip_reason()
    if reason:
        print(f"cannot run: {reason}")
        return 2
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = launch(pw)
        launched = time.perf_counter()
        with serve_app(log_path=Path(tmp) / "streamlit.log") as url:
            healthy = time.perf_counter()
            page = browser.new_page(viewport={"width": 1500, "height": 1200})
            opened = time.perf_counter()
            page.goto(url)
            wait_ready(page, 120_000)
            done = time.perf_counter()
            rows.append(("server start (launch -> /_stcore/health)", healthy - launched, None))
            rows.append(("cold start: open page -> playlist + 3D plot", done - opened, COLD_TARGET))
            rows.append(("cold start: launch -> playlist + 3D plot", done - launched, None))

            page2 = browser.new_page(viewport={"width": 1500, "height": 1200})
            t = time.perf_counter()
            page2.goto(url)
            wait_ready(page2, 60_000)
            rows.append(("warm start: new session -> playlist + 3D plot", time.perf_counter() - t, COLD_TARGET))
            page2.close()

            thumb = slider_thumb(page, "playlist length")
            n = int(thumb.get_attribute("value"))
            times = []
            for i in range(args.repeats):
                step = -1 if i % 2 == 0 else 1
                thumb.focus()
                t = time.perf_counter()
                page.keyboard.press("ArrowLeft" if step < 0 else "ArrowRight")
                n += step
                wait_points(page, n)
                times.append(time.perf_counter() - t)
                wait_ready(page)
            rows.append((f"slider change -> updated 3D plot (median of {len(times)})", statistics.median(times),
                         SLIDER_TARGET))
            rows.append((f"slider change -> updated 3D plot (worst of {len(times)})", max(times), None))
        browser.close()

    width = max(len(r[0]) for r in rows)
    print(f"{'measure'.ljust(width)}  seconds  target  ok")
    for name, secs, target in rows:
        ok = "" if target is None else ("yes" if secs <= target else "NO")
        tgt = "" if target is None else f"{target:.0f} s"
        print(f"{name.ljust(width)}  {secs:7.2f}  {tgt:>6}  {ok}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
