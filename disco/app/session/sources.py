"""Where the session's songs come from: the default catalog or an uploaded file; the fetch and upload widgets.

An uploaded file's bytes are kept in the session (``SOURCE_KEY``) while it is the session's catalog, and
nowhere else: Streamlit's own copy is let go once read, and going back to the default data drops them
(Streamlit clears the session's state when the session ends).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from disco import config
from disco.app.errors import user_errors
from disco.app.session import loaders, state, uploads
from disco.app.text import md_escape, md_safe
from disco.engine.service import Disco
from disco.errors import DiscoError, DownloadError, ModelError

SOURCE_KEY = "catalog_source"  # session_state: None = the default catalog, else the uploaded Source
UPLOAD_ROUND_KEY = "upload_round"  # session_state: a new (empty) uploader after each file taken
NOTE_KEY = "source_note"  # session_state, + a widget's key: (kind, text) shown by that widget after a rerun


@dataclass(frozen=True)
class Source:
    """The session's catalog: the default data set, or an uploaded file's name and bytes."""

    name: str | None = None
    data: bytes | None = None
    sha256: str | None = None

    @property
    def is_default(self) -> bool:
        return self.data is None


def current_source() -> Source:
    return st.session_state.get(SOURCE_KEY) or Source()


def use_uploaded(name: str, data: bytes) -> None:
    """Make an uploaded song file the session's catalog (validate it first with :func:`load_disco`)."""
    st.session_state[SOURCE_KEY] = Source(name, data, hashlib.sha256(data).hexdigest())
    state.set_seeds(None)  # the catalog changed: its song indices mean other songs


def use_default() -> None:
    """The default catalog again: the uploaded file's bytes are dropped."""
    st.session_state[SOURCE_KEY] = None
    state.set_seeds(None)  # the catalog changed: its song indices mean other songs


def has_default_data() -> bool:
    return config.default_dataset_path().is_file()


def data_file_name() -> str:
    """The default catalog as visitors may see it: its file name, never the server's folders."""
    return f"{config.DATASET_FILENAME} in the data folder"


def load_disco(source: Source | None = None) -> Disco:
    """The Disco of ``source`` (default: the session's), cached. Raises CatalogError/ModelError."""
    src = current_source() if source is None else source
    if src.is_default:
        return loaders.default_disco()
    return loaders.uploaded_disco(src.name, src.data, src.sha256)


def require_disco() -> Disco:
    """The session's Disco; else the first-start screen (no data yet) or the error, then ``st.stop()``."""
    src = current_source()
    if src.is_default and not has_default_data():
        first_start()
        st.stop()
    try:
        return load_disco(src)
    except ModelError as exc:
        st.error(f"The flow model could not be loaded: {md_safe(exc)}", icon=":material/error:")
        st.stop()
    except DiscoError as exc:
        st.error(f"The song catalog could not be loaded: {md_safe(exc)}", icon=":material/error:")
        if not src.is_default:
            st.button("Go back to the default data set", on_click=use_default)
        st.stop()


def first_start() -> None:
    """No catalog yet: one sentence, and the two ways forward."""
    st.info(f"DISCO needs a song catalog with audio features, and there is none yet ({md_escape(data_file_name())} "
            "is missing): fetch the public TidyTuesday data set (about 7 MB) or upload your own CSV.",
            icon=":material/library_music:")
    left, right = st.columns(2)
    with left:
        st.subheader("1. Fetch the public data set")
        fetch_widget()
    with right:
        st.subheader("2. Upload your own song file")
        upload_widget()


def fetch_dataset(on_progress: Callable[[int, int | None], None]):
    """The public catalog in :func:`config.default_dataset_path`: nothing is downloaded when a verified copy is
    there; else downloaded (sha256-verified, every known address in turn), ``on_progress(done_bytes,
    total_bytes_or_None)`` as bytes arrive. Returns :class:`disco.data.fetch.Fetched`. Raises DownloadError."""
    from disco.data.fetch import fetch_catalog

    return fetch_catalog(config.default_dataset_path(), progress=False, on_progress=on_progress)


def _note(key: str, kind: str, text: str) -> None:
    st.session_state[f"{NOTE_KEY}_{key}"] = (kind, text)


def _show_note(key: str) -> None:
    note = st.session_state.pop(f"{NOTE_KEY}_{key}", None)
    if note:
        kind, text = note
        (st.success if kind == "success" else st.error)(text)


def fetch_widget(key: str = "fetch") -> None:
    """A button that fetches the public data set with a progress bar, then reruns on it. A verified copy is not
    downloaded again; a failed download is one line, and the page stays usable."""
    _show_note(key)
    if not st.button("Fetch the TidyTuesday songs", key=f"{key}_button", type="primary"):
        return
    bar = st.empty()

    def show(done: int, total: int | None) -> None:
        if total:
            bar.progress(min(done / total, 1.0), text=f"Downloaded {done / 1e6:.1f} of {total / 1e6:.1f} MB")
        else:
            bar.progress(0.0, text=f"Downloaded {done / 1e6:.1f} MB")

    with user_errors():
        try:
            fetched = fetch_dataset(show)
        except DownloadError as exc:
            bar.empty()
            st.error(md_safe(exc), icon=":material/cloud_off:")
            return
        bar.empty()
        if not fetched.downloaded:
            st.success(f"The TidyTuesday songs are already there and verified ({md_escape(data_file_name())}): "
                       "nothing was downloaded.")
            return
        _note(key, "success", f"Downloaded and verified the TidyTuesday songs ({md_escape(data_file_name())}).")
        use_default()
        st.rerun()


def upload_widget(key: str = "upload") -> None:
    """A CSV/Parquet uploader; a valid file becomes the session's catalog. Each file is read once: the uploader
    is then replaced by an empty one and Streamlit's copy let go."""
    _show_note(key)
    round_ = st.session_state.get(UPLOAD_ROUND_KEY, 0)
    file = st.file_uploader("Song file (CSV or Parquet in any common Spotify export layout, or a DISCO export)",
                            type=["csv", "parquet", "json", "gz"], key=f"{key}_{round_}", help=uploads.size_help())
    if file is None:
        return
    st.session_state[UPLOAD_ROUND_KEY] = round_ + 1
    name = file.name
    with user_errors():
        try:
            data = uploads.take(file)
            del file
            loaders.uploaded_disco(name, data)  # validate before switching
        except DiscoError as exc:
            _note(key, "error", md_safe(exc))
        else:
            use_uploaded(name, data)
            _note(key, "success", f"This session now uses {md_escape(name)}.")
        st.rerun()
