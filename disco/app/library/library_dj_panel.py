"""The Library page's DJ library part: load a Rekordbox XML, Traktor NML or Mixxx library, see its playlists and
problems, reorder one with the session's settings, listen to its songs, and download it for DJ software."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import streamlit as st

from disco.app.library import library_files
from disco.app.library.library_files import LoadedLibrary
from disco.app.playlist import playlist_view
from disco.app.reorder import track_lists
from disco.app.session import loaders, uploads
from disco.app.session.state import SessionSettings
from disco.app.text import md_escape, md_safe, slug
from disco.errors import CatalogError, DiscoError
from disco.theory.tempo import TEMPO_TOLERANCE_PCT
from disco.wording import listed, plural

HOW_KEY = "dj_how"
UPLOAD_ROUND_KEY = "dj_upload_round"  # a new (empty) uploader after each file taken
NOTE_KEY = "dj_note"  # (kind, text) shown after the rerun that follows an upload
PATH_KEY = "dj_path"
PLAYLIST_KEY = "dj_playlist"
KEEP_FIRST_KEY = "dj_keep_first"
MEASURE_KEY = "dj_measure"
MEASURE_LABEL = "Measure loudness, energy and danceability from the files"
UPLOAD, PATH = "Upload the file", "A file on this computer"
MAX_LIST_PX = 320  # the playlist and problem tables scroll past this height
ROW_PX = 35


def _table_height(rows: int) -> int:
    return min(ROW_PX * (rows + 1) + 3, MAX_LIST_PX)


def _loaded(library: LoadedLibrary) -> None:
    st.session_state[NOTE_KEY] = ("success", f"Loaded {md_escape(Path(library.name).name)} ({library.kind}).")
    library_files.keep(library)


def loader() -> None:
    """Upload a library file or give its path; a file that loads becomes the page's library."""
    note = st.session_state.pop(NOTE_KEY, None)
    if note:
        (st.success if note[0] == "success" else st.error)(note[1])
    how = st.radio("Your DJ library", [UPLOAD, PATH], horizontal=True, key=HOW_KEY)
    if how == UPLOAD:
        round_ = st.session_state.get(UPLOAD_ROUND_KEY, 0)
        file = st.file_uploader("Rekordbox XML, Traktor NML or Mixxx library (mixxxdb.sqlite)",
                                type=library_files.LIBRARY_TYPES, key=f"dj_upload_{round_}",
                                help=f"Files up to {uploads.max_upload_mb()} MB. Rekordbox: File > Export "
                                     "Collection in xml format; Traktor: collection.nml; Mixxx: mixxxdb.sqlite in "
                                     "its settings folder.")
        if file is None:
            return
        st.session_state[UPLOAD_ROUND_KEY] = round_ + 1  # read once: the next run shows an empty uploader
        name = file.name
        try:
            data = file.getvalue()
        finally:
            uploads.release(file)
        try:
            with st.spinner("Reading the library..."):
                _loaded(library_files.load_upload(name, data))
        except DiscoError as exc:
            st.session_state[NOTE_KEY] = ("error", md_safe(exc))
        del data
        st.rerun()
    path = st.text_input("Path of the library file", key=PATH_KEY, placeholder="~/Music/rekordbox.xml",
                         help="Rekordbox XML, Traktor NML (e.g. ~/Documents/Native Instruments/Traktor/collection.nml)"
                              " or Mixxx's mixxxdb.sqlite.")
    if st.button("Load this file", key="dj_load", disabled=not (path or "").strip()):
        with st.spinner("Reading the library..."):
            _loaded(library_files.load_path(path))
        st.rerun()


def report(library: LoadedLibrary) -> None:
    """The library's playlists (name, songs) and what its load report found wrong, side by side."""
    counts = library.counts
    st.markdown(f"**{md_escape(library.name)}** ({library.kind}): {plural(counts.get('tracks', 0), 'track')}, "
                f"{plural(len(library.playlists), 'playlist')}")
    left, right = st.columns([3, 2])
    with left:
        if library.playlists:
            frame = library_files.playlists_frame(library)
            st.dataframe(frame, hide_index=True, key="dj_playlists", height=_table_height(len(frame)),
                         column_config={"songs": st.column_config.NumberColumn(width="small")})
        else:
            st.info("This library has no playlists.")
    with right:
        if library.problems:
            found = ", ".join(library_files.problem_counts(library))
            st.warning(f"The file has {plural(len(library.problems), 'problem')}" + (f": {found}." if found else "."),
                       icon=":material/warning:")
            with st.expander("Every problem, one per line"):
                lines = pd.DataFrame({"problem": library_files.problem_lines(library)})
                st.dataframe(lines, hide_index=True, key="dj_problems", height=_table_height(len(lines)))
        else:
            st.success("The file has no problems.", icon=":material/check_circle:")
        st.button("Close this library", key="dj_close", on_click=library_files.keep, args=(None,))


def flow_note(status) -> None:
    """Whether the flow network orders these songs, and on which features."""
    if status is None:
        return
    text = status.describe()
    text = text[:1].upper() + text[1:] + "."
    if status.network is None:
        st.info(md_escape(text), icon=":material/info:")
    else:
        st.caption(md_escape(text))


def measure_progress_text(done: int, total: int, songs_per_s: float, eta_s: float) -> str:
    """``"12 of 40 songs · 1.3 songs/s · about 25 s left"`` (rate and time once the first file is done)."""
    parts = [f"{done:,} of {plural(total, 'song')}"]
    if math.isfinite(songs_per_s) and songs_per_s > 0:
        parts.append(f"{songs_per_s:.1f} songs/s")
    if math.isfinite(eta_s) and done < total:
        seconds = max(0, round(eta_s))
        left = f"{seconds} s" if seconds < 90 else f"{seconds // 60} min {seconds % 60:02d} s"
        parts.append(f"about {left} left")
    return " · ".join(parts)


def measure(library: LoadedLibrary, name: str) -> None:
    """Once the playlist's songs are measured: what was measured and every file that failed. Before: a button
    measuring the songs that lack loudness, energy or danceability and have a file on this computer (the
    analyses are cached: measuring again, or another playlist with the same songs, reads no file twice)."""
    report = library.fill_report(name)
    if report is not None:
        text = report.summary(failures=False)
        st.caption(md_escape(text[:1].upper() + text[1:]) + ".")
        if report.failed:
            with st.expander(f"{plural(len(report.failed), 'file')} could not be analysed"):
                failed = pd.DataFrame(report.failed, columns=["file", "reason"])
                st.dataframe(failed, hide_index=True, key="dj_measure_failed", height=_table_height(len(failed)))
        return
    readable, unreadable = library_files.songs_to_measure(library, name)
    if not readable:
        return
    without = f" ({plural(unreadable, 'song')} without a file on this computer cannot be)" if unreadable else ""
    st.caption(f"Your DJ software gives tempo and key, not loudness, energy and danceability: the flow network needs "
               f"them. DISCO can measure them from the files of {plural(readable, 'song')} of this playlist"
               f"{without}; the results are cached.")
    if st.button(MEASURE_LABEL, key=MEASURE_KEY, icon=":material/graphic_eq:"):
        bar = st.progress(0.0, text="Reading the analysis cache...")

        def progress(done: int, total: int, songs_per_s: float, eta_s: float) -> None:
            bar.progress(done / total if total else 1.0, text=measure_progress_text(done, total, songs_per_s, eta_s))

        library_files.keep(library_files.measure_playlist(library, name, progress))
        st.rerun()


def dj_downloads(catalog, playlist, name: str) -> None:
    """Rekordbox XML and Traktor NML of the reordered playlist, and what each file holds."""
    st.caption("The M3U8 lists each song's absolute file path: a download has no folder its paths could be "
               "relative to. The Rekordbox XML and Traktor NML hold these songs and one playlist in DISCO's order, "
               f"“{md_escape(library_files.export_name(name))}”, to import beside the original.")
    stem = slug(name)
    for col, (label, fmt, ext, mime) in zip(st.columns(len(library_files.DJ_EXPORTS)), library_files.DJ_EXPORTS):
        col.download_button(f"Download {label}", lambda fmt=fmt: library_files.dj_export(catalog, playlist, fmt, name),
                            file_name=f"{stem}.{ext}", mime=mime, key=f"library_dl_{fmt}", on_click="ignore")
    missing = library_files.songs_without_file(catalog, playlist)
    if missing:
        st.caption(f"{plural(len(missing), 'song')} without a file path {'is' if len(missing) == 1 else 'are'} left "
                   f"out of the XML and NML (their software needs a file): {md_escape(listed(missing))}.")


def scores(before: dict, after: dict) -> None:
    """The playlist's score in the library's order and in DISCO's: total loss (lower is better), and the moves
    compatible on the Camelot wheel and in tempo (a lower loss and more compatible moves show green)."""
    cols = st.columns(3)
    cols[0].metric("total loss (lower is better)", f"{after['total_loss']:.2f}",
                   round(after["total_loss"] - before["total_loss"], 2) or 0, delta_color="inverse",
                   delta_description=f"was {before['total_loss']:.2f}")
    for col, name, label in ((cols[1], "camelot", "Camelot-compatible moves"),
                             (cols[2], "tempo", f"tempo moves within {TEMPO_TOLERANCE_PCT:g}%")):
        col.metric(label, f"{after[name]} of {after['moves']}", after[name] - before[name],
                   delta_description=f"was {before[name]}")


def reorder(library: LoadedLibrary, settings: SessionSettings) -> None:
    """Pick a playlist; it is reordered with the session's settings and shown before/after."""
    names = library_files.reorderable(library)
    if not names:
        st.info("No playlist of this library has two songs or more: there is nothing to reorder.")
        return
    sizes = dict(library.playlists)
    name = st.selectbox("Playlist to reorder", names, key=PLAYLIST_KEY,
                        format_func=lambda n: f"{n} ({plural(sizes.get(n, 0), 'song')})")
    keep_first = st.checkbox("Keep its first song first", value=True, key=KEEP_FIRST_KEY)
    measure(library, name)
    view, tracks, tracks_key = library_files.playlist_songs(library, name)
    flow_note(tracks.status)
    if len(tracks.indices) < 2:
        raise CatalogError(f"only {plural(len(tracks.indices), 'song')} of playlist {name!r} can be used: "
                           "reordering needs two")
    result = loaders.reorder_tracks(view, tracks, tracks_key, settings.engine, keep_first=keep_first)
    st.subheader(f"{name}: before → after ({plural(len(result.after), 'song')})")
    scores(track_lists.order_counts(view, result.before), track_lists.order_counts(view, result.after))
    playlist_view.show_playlist(view, result.after, key="library", title=name)  # with its listen selector
    dj_downloads(view.catalog, result.after, name)


def section(settings: SessionSettings) -> None:
    st.caption("DISCO lists the playlists of your Rekordbox, Traktor or Mixxx library, reorders one with the flow "
               "settings in the sidebar, and gives it back in your DJ software's format.")
    loader()
    library = library_files.current()
    if library is None:
        st.info("Load a library file to see its playlists.")
        return
    report(library)
    reorder(library, settings)
