"""The Library page's own-music part: a folder on this computer or picked files, the scan's progress, the files
left out with their reasons, and the songs, which then become the session's songs on Build and Reorder."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from disco.app.errors import user_errors
from disco.app.library import library_scan
from disco.app.library.library_scan import ScanRecord
from disco.app.session import sources, state, uploads
from disco.app.text import md_escape
from disco.wording import plural

HOW_KEY = "scan_how"
FOLDER_KEY = "scan_folder"
FILES_ROUND_KEY = "scan_files_round"  # a new (empty) file picker after each scan of picked files
FOLDER, PICK = "A folder on this computer", "Pick files"
FORMATS = "MP3, FLAC, WAV, OGG, AIFF (M4A/AAC when ffmpeg is installed)"
MEASURES_NOTE = ("Tempo, key and loudness are measured from the audio; energy and danceability are DISCO's own "
                 "measures (not Spotify's). Acousticness, valence and the like cannot be measured honestly and stay "
                 "empty.")


def run_scan(scan: Callable) -> None:
    """Run ``scan(progress)`` with a progress bar (files done, songs/s, time left), keep its record and make its
    songs the session's songs."""
    bar = st.progress(0.0, text="Looking for audio files...")

    def show(done: int, total: int, songs_per_s: float, eta_s: float) -> None:
        bar.progress(done / total if total else 1.0, text=library_scan.progress_text(done, total, songs_per_s, eta_s))

    record = scan(show)  # the bar stays, full, with the last count and rate
    library_scan.keep(record)
    if len(record.songs):
        library_scan.use_songs(record)


def chooser() -> None:
    """The folder's path or the file picker, and the button that starts the scan."""
    how = st.radio("Your music", [FOLDER, PICK], horizontal=True, key=HOW_KEY)
    if how == FOLDER:
        folder = st.text_input("Folder", key=FOLDER_KEY, placeholder="~/Music",
                               help=f"Searched with its subfolders for {FORMATS}. Results are remembered: scanning "
                                    "again analyses only new or changed files.")
        if st.button("Scan this folder", type="primary", key="scan_folder_go", disabled=not (folder or "").strip()):
            run_scan(lambda progress: library_scan.scan_folder(folder, progress))
        return
    round_ = st.session_state.get(FILES_ROUND_KEY, 0)
    files = st.file_uploader(f"Audio files ({FORMATS})", type=library_scan.AUDIO_TYPES, accept_multiple_files=True,
                             key=f"scan_files_{round_}",
                             help=f"Up to {uploads.max_upload_mb()} MB per file. They are analysed from a temporary "
                                  "folder that is deleted when the scan ends: to listen to your songs here, scan "
                                  "their folder instead.")
    if st.button("Scan these files", type="primary", key="scan_files_go", disabled=not files):
        st.session_state[FILES_ROUND_KEY] = round_ + 1  # the files are let go: the next run shows an empty picker
        run_scan(lambda progress: library_scan.scan_files(files, progress))


def use_buttons(record: ScanRecord) -> None:
    """Whether Build and Reorder use the scanned songs, and the button to switch."""
    n = len(record.songs)
    if library_scan.in_use(record):
        st.success(f"Build and Reorder use these {plural(n, 'song')} now.", icon=":material/check_circle:")
        if sources.has_default_data():
            st.button("Go back to the default data set", key="scan_use_default", on_click=sources.use_default)
    elif st.button(f"Use these {plural(n, 'song')} on Build and Reorder", key="scan_use", type="primary"):
        library_scan.use_songs(record)
        st.rerun()


def results(record: ScanRecord) -> None:
    """The last scan: its summary, every file left out with the reason, and its songs."""
    st.markdown(f"**Last scan:** {md_escape(record.summary)}")
    for note in record.notes:
        st.caption(md_escape(note))
    if record.excluded:
        n = len(record.excluded)
        st.warning(f"{plural(n, 'file')} {'was' if n == 1 else 'were'} left out:", icon=":material/warning:")
        st.dataframe(library_scan.excluded_table(record), hide_index=True, key="scan_excluded")
    if not len(record.songs):
        st.info("No song came out of this scan: Build and Reorder still use the songs they had.")
        return
    use_buttons(record)
    st.dataframe(library_scan.songs_table(record, state.current().key_notation), hide_index=True, key="scan_songs",
                 column_config={"BPM": st.column_config.NumberColumn(format="%.1f"),
                                "energy": st.column_config.NumberColumn(format="%.2f"),
                                "danceability": st.column_config.NumberColumn(format="%.2f"),
                                "LUFS": st.column_config.NumberColumn(format="%.1f")})
    st.caption(MEASURES_NOTE)
    st.download_button("Download the songs as CSV", library_scan.songs_csv(record.songs),
                       file_name="scanned-songs.csv", mime="text/csv", key="scan_csv", on_click="ignore",
                       help="DISCO's song-file layout: upload it later on the Data page, or reorder it on Reorder.")


def section() -> None:
    st.caption("DISCO listens to your own audio files (tempo, key, loudness, energy, danceability); the songs "
               "then become this session's songs: build playlists from them on Build, reorder them on Reorder.")
    with user_errors():
        chooser()
    record = library_scan.last_scan()
    if record is not None:
        with user_errors():
            results(record)
