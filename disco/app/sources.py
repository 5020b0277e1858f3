"""Where the session's songs come from: the default catalog or an uploaded file; the fetch and upload widgets."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from disco import config
from disco.app import loaders, seeds
from disco.app.errors import user_errors
from disco.engine.service import Disco
from disco.errors import DiscoError, ModelError

SOURCE_KEY = "catalog_source"  # session_state: None = the default catalog, else the uploaded Source


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
    seeds.clear()


def use_default() -> None:
    st.session_state[SOURCE_KEY] = None
    seeds.clear()


def has_default_data() -> bool:
    return config.default_dataset_path().is_file()


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
        st.error(f"The flow model could not be loaded: {exc}", icon=":material/error:")
        st.stop()
    except DiscoError as exc:
        st.error(f"The song catalog could not be loaded: {exc}", icon=":material/error:")
        if not src.is_default:
            st.button("Go back to the default data set", on_click=use_default)
        st.stop()


def first_start() -> None:
    """No catalog yet: one sentence, and the two ways forward."""
    st.info(f"DISCO needs a song catalog with audio features, and there is none at "
            f"`{config.default_dataset_path()}` yet: fetch the public TidyTuesday data set (about 7 MB) "
            "or upload your own CSV.", icon=":material/library_music:")
    left, right = st.columns(2)
    with left:
        st.subheader("1. Fetch the public data set")
        fetch_widget()
    with right:
        st.subheader("2. Upload your own song file")
        upload_widget()


def fetch_dataset(on_progress: Callable[[int, int | None], None]) -> Path:
    """Download the public catalog into :func:`config.default_dataset_path` (sha256-verified, every known
    address in turn); ``on_progress(done_bytes, total_bytes_or_None)`` as bytes arrive. Raises DownloadError."""
    from disco.data.fetch import fetch_catalog

    return fetch_catalog(config.default_dataset_path(), progress=False, on_progress=on_progress).path


def fetch_widget(key: str = "fetch") -> None:
    """A button that downloads the public data set with a progress bar, then reruns on it."""
    if not st.button("Fetch the TidyTuesday songs", key=f"{key}_button", type="primary"):
        return
    bar = st.progress(0.0, text="Connecting...")

    def show(done: int, total: int | None) -> None:
        if total:
            bar.progress(min(done / total, 1.0), text=f"Downloaded {done / 1e6:.1f} of {total / 1e6:.1f} MB")
        else:
            bar.progress(0.0, text=f"Downloaded {done / 1e6:.1f} MB")

    with user_errors():
        path = fetch_dataset(show)
        bar.progress(1.0, text="Done")
        st.success(f"Saved to {path}.")
        use_default()
        st.rerun()


def upload_widget(key: str = "upload") -> None:
    """A CSV/Parquet uploader; a valid file becomes the session's catalog."""
    file = st.file_uploader("Song file (CSV or Parquet, any common Spotify export layout)",
                            type=["csv", "parquet"], key=key)
    if file is None:
        return
    data = file.getvalue()
    if current_source().sha256 == hashlib.sha256(data).hexdigest():
        st.success(f"Using {file.name}.")
        return
    with user_errors():
        loaders.uploaded_disco(file.name, data)  # validate before switching
        use_uploaded(file.name, data)
        st.rerun()
