"""The Library page in headless Chromium: upload a Rekordbox XML, see its playlists, the reordered playlist and its
downloads, and download the M3U8 in DISCO's order.

Needs /usr/bin/chromium and the trained models (no song catalog: the Library page works without one); skipped
otherwise.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from support.browser import CHROMIUM, launch, serve_app
from support.library_set import PLAYLIST, SONGS, audio_files, rekordbox

ROOT = Path(__file__).resolve().parent.parent
DOWNLOADS = ("Download CSV", "Download M3U8", "Download Rekordbox XML", "Download Traktor NML")


def cannot_run() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} missing (apt-get install chromium chromium-driver)"
    if not (ROOT / "models" / "model_card.json").is_file():
        return "no trained model in models/"
    return None


@pytest.mark.browser
@pytest.mark.slow
def test_load_a_library_reorder_a_playlist_and_download_it(tmp_path):
    reason = cannot_run()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    paths = audio_files(tmp_path / "music")
    library_file = rekordbox(tmp_path, paths)
    env = {"DISCO_DATA_DIR": str(tmp_path / "no-data"), "DISCO_CACHE_DIR": str(tmp_path / "cache")}
    with serve_app(env=env, log_path=tmp_path / "streamlit.log") as url, sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1200}, accept_downloads=True)
            page.goto(f"{url}/library", timeout=60_000)
            page.get_by_role("tab", name="DJ library").click()
            page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(library_file))
            page.get_by_text(f"Loaded {library_file.name}").wait_for(timeout=60_000)
            page.get_by_text(f"{PLAYLIST}: before → after").wait_for(timeout=60_000)
            for label in DOWNLOADS:
                page.get_by_role("button", name=label).wait_for(timeout=30_000)
            assert page.get_by_text("Flow network off").is_visible()

            with page.expect_download(timeout=30_000) as made:
                page.get_by_role("button", name="Download M3U8").click()
            m3u8 = Path(made.value.path()).read_text(encoding="utf-8")
            files = [line for line in m3u8.splitlines() if line and not line.startswith("#")]
            assert sorted(files) == sorted(paths)  # every song's file, absolute
            first = SONGS[2][0]  # the playlist opens on track 3, kept first
            assert files[0] == next(p for s, p in zip(SONGS, paths) if s[0] == first)
        finally:
            browser.close()
