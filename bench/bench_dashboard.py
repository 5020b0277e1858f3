"""Dashboard speed in headless Chromium: cold start to the first rendered playlist, and a slider change to
the updated 3D plot (targets 6 s and 1 s).

    DISCO_DATA_DIR=/path/to/data python bench/bench_dashboard.py [--repeats 6]

Cold start = a fresh ``streamlit run`` (empty caches) from process launch, and from opening the page, to
the playlist table and the 3D plot being rendered with the script finished. Slider change = one
keyboard step of the "playlist length" slider until the plot shows the new number of songs.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from disco import config

APP = Path(__file__).resolve().parent.parent / "app.py"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
TABLE = '[data-testid="stDataFrame"]'
PLOT = '.js-plotly-plot .main-svg'
VIEWPORT = {"width": 1500, "height": 1200}
COLD_TARGET, SLIDER_TARGET = 6.0, 1.0


def cannot_run() -> str | None:
    """Why the bench cannot run here (no browser, data or model), else None."""
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} missing (apt-get install chromium chromium-driver)"
    if not config.default_dataset_path().is_file():
        return f"no catalog at {config.default_dataset_path()}: set DISCO_DATA_DIR"
    if not (config.models_dir() / "model_card.json").is_file():
        return f"no trained model in {config.models_dir()}"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve_app(log_path: Path, timeout: float = 60.0):
    """Run ``streamlit run app.py`` on a free local port; yield its URL; stop it by its PID."""
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true",
           "--server.address", "127.0.0.1", "--server.port", str(port), "--server.fileWatcherType", "none",
           "--browser.gatherUsageStats", "false"]
    url = f"http://127.0.0.1:{port}"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=APP.parent, env=dict(os.environ), stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if proc.poll() is not None:
                    raise RuntimeError(f"streamlit exited with code {proc.returncode} (log: {log_path})")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"streamlit did not answer on {url} within {timeout:.0f} s")
                time.sleep(0.2)
            yield url
        finally:
            proc.terminate()  # by its PID, never by name
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_ready(page, timeout_ms: int = 60_000) -> None:
    """Wait for the table and the 3D plot, and for Streamlit to finish running the script."""
    page.wait_for_selector(TABLE, timeout=timeout_ms)
    page.wait_for_selector(PLOT, timeout=timeout_ms)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=timeout_ms)


def trajectory_points(page) -> int:
    """Points of the 3D plot's "playlist" trace, read from the rendered Plotly graph div."""
    return page.evaluate("""() => {
        for (const d of document.querySelectorAll('.js-plotly-plot')) {
            const t = (d._fullData || []).find(t => t.name === 'playlist');
            if (t) return t.x.length;
        }
        return -1;
    }""")


def wait_points(page, n: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while (got := trajectory_points(page)) != n:
        if time.monotonic() > deadline:
            raise AssertionError(f"the 3D plot shows {got} songs, expected {n}")
        time.sleep(0.01)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=6, help="slider changes to time")
    args = parser.parse_args()
    reason = cannot_run()
    if reason:
        print(f"cannot run: {reason}")
        return 2
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        launched = time.perf_counter()
        with serve_app(Path(tmp) / "streamlit.log") as url:
            healthy = time.perf_counter()
            page = browser.new_page(viewport=VIEWPORT)
            opened = time.perf_counter()
            page.goto(url)
            wait_ready(page, 120_000)
            done = time.perf_counter()
            rows.append(("server start (launch -> /_stcore/health)", healthy - launched, None))
            rows.append(("cold start: open page -> playlist + 3D plot", done - opened, COLD_TARGET))
            rows.append(("cold start: launch -> playlist + 3D plot", done - launched, None))

            page2 = browser.new_page(viewport=VIEWPORT)
            t = time.perf_counter()
            page2.goto(url)
            wait_ready(page2, 60_000)
            rows.append(("warm start: new session -> playlist + 3D plot", time.perf_counter() - t, COLD_TARGET))
            page2.close()

            thumb = page.locator('[role="group"][aria-label="playlist length"] input[type="range"]')
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
