"""Cached loading and computing for the dashboard.

``st.cache_resource`` holds what is loaded once per process: the flow model, and a :class:`Disco` per data
source (the default catalog keyed by its path and modification time, an uploaded file by its sha256, few of
them). ``st.cache_data`` holds results keyed by the Disco, ``settings.key()`` and the request, so moving a slider
back returns the earlier playlist at once. Arguments with a leading underscore are not hashed: their key is
passed beside them.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st

from disco import config
from disco.engine.playlist import Playlist
from disco.engine.service import Disco, TrackList
from disco.engine.settings import EngineSettings
from disco.errors import CatalogError, DiscoError

MAX_UPLOADS = 4  # uploaded catalogs kept loaded per process
BACKGROUND_POINTS = 1500  # catalog sample drawn faintly behind the 3D trajectory


# -- the model and the catalogs ------------------------------------------------------------------------------
@st.cache_resource(show_spinner="Loading the flow model...")
def _flow_model(models_dir: str):
    from disco.model.bundle import FlowModel

    return FlowModel.load(models_dir)


def flow_model():
    """The trained :class:`~disco.model.bundle.FlowModel` (no TensorFlow). Raises ModelError."""
    return _flow_model(str(config.models_dir()))


@st.cache_resource(show_spinner="Loading the catalog and the flow model...")
def _default_disco(path: str, mtime: float, models_dir: str) -> Disco:
    from disco.data.catalog import load_catalog

    return Disco.from_model(load_catalog(path), _flow_model(models_dir))


@st.cache_resource(show_spinner="Loading your song file...", max_entries=MAX_UPLOADS)
def _uploaded_disco(sha256: str, name: str, _data: bytes, models_dir: str) -> Disco:
    from disco.data.catalog import load_catalog

    model = _flow_model(models_dir)
    catalog = load_catalog(_data, name=name)
    if len(catalog) == 0:
        raise CatalogError(f"{name} holds no usable song: {catalog.report.summary()}")
    return Disco.from_model(catalog, model)


def default_disco() -> Disco:
    """The default catalog (``$DISCO_DATA_DIR``) with the flow model. Raises CatalogError/ModelError."""
    path = config.default_dataset_path()
    if not path.is_file():
        raise CatalogError(f"no song catalog at {path}")
    return _default_disco(str(path), path.stat().st_mtime, str(config.models_dir()))


def uploaded_disco(name: str, data: bytes, sha256: str | None = None) -> Disco:
    """An uploaded song file (any known layout) with the flow model. Raises CatalogError/ModelError."""
    sha256 = sha256 or hashlib.sha256(data).hexdigest()
    return _uploaded_disco(sha256, name, data, str(config.models_dir()))


def disco_key(disco: Disco) -> str:
    """A cache key of results computed from ``disco`` (its catalog and network)."""
    return f"{disco.catalog.sha256}:{disco.network_name}:{len(disco.arrays)}"


# -- playlists -------------------------------------------------------------------------------------------------
@st.cache_data(show_spinner="Building the playlist...", max_entries=256)
def _build(_disco: Disco, disco_id: str, settings_id: str, seeds: tuple[int, ...], length: int, pool: str,
           pool_size: int, _settings: EngineSettings) -> Playlist:
    return _disco.build(list(seeds), _settings, length=length, pool=pool, pool_size=pool_size)


def build_playlist(disco: Disco, seeds, settings: EngineSettings, *, length: int, pool: str,
                   pool_size: int) -> Playlist:
    """:meth:`Disco.build`, cached by the Disco, every setting and the request."""
    return _build(disco, disco_key(disco), settings.key(), tuple(int(s) for s in seeds), int(length), pool,
                  int(pool_size), settings)


@dataclass(frozen=True)
class Reordered:
    """A reorder: the songs in the order given (``before``) and reordered (``after``), scored alike."""

    before: Playlist
    after: Playlist


@st.cache_data(show_spinner="Finding the best order...", max_entries=64)
def _reorder(_disco: Disco, _tracks: TrackList, disco_id: str, tracks_id: str, settings_id: str,
             keep_first: bool, _settings: EngineSettings) -> Reordered:
    after = _disco.reorder(_tracks, _settings, keep_first=keep_first)
    # the given order scored with the settings the reorder used (an arc as fitted to these songs)
    return Reordered(_disco.score(_tracks, after.settings), after)


def reorder_tracks(disco: Disco, tracks: TrackList, tracks_key: str, settings: EngineSettings, *,
                   keep_first: bool) -> Reordered:
    """:meth:`Disco.reorder` of a track list (``tracks_key`` identifies its content), and the given order's
    score, cached by every setting."""
    return _reorder(disco, tracks, disco_key(disco), tracks_key, settings.key(), bool(keep_first), settings)


# -- track lists -----------------------------------------------------------------------------------------------
@st.cache_resource(show_spinner="Reading your songs...", max_entries=8)
def _track_list(_disco: Disco, disco_id: str, sha256: str, name: str, _data: bytes) -> TrackList:
    folder = Path(tempfile.mkdtemp(prefix="disco-upload-"))
    path = folder / (Path(name).name or "songs")
    path.write_bytes(_data)
    try:
        return _disco.read_track_list(path)
    except DiscoError as exc:  # name the user's file, not our temporary copy
        raise type(exc)(str(exc).replace(str(path), name)) from None
    finally:
        path.unlink(missing_ok=True)
        folder.rmdir()


def track_list(disco: Disco, name: str, data: bytes) -> tuple[TrackList, str]:
    """The songs of an uploaded file or pasted ids (:meth:`Disco.read_track_list`) and their content key."""
    sha256 = hashlib.sha256(data).hexdigest()
    return _track_list(disco, disco_key(disco), sha256, name, data), sha256


# -- figures' context ------------------------------------------------------------------------------------------
@st.cache_data(max_entries=8)
def _background(_disco: Disco, disco_id: str, n: int) -> np.ndarray:
    pca = np.asarray(_disco.arrays.pca)
    rows = np.random.default_rng(0).choice(len(pca), size=min(n, len(pca)), replace=False)
    return pca[np.sort(rows)].astype(np.float32)


def background(disco: Disco) -> np.ndarray:
    """A fixed random sample of the catalog's PCA coordinates (context for the 3D trajectory)."""
    return _background(disco, disco_key(disco), BACKGROUND_POINTS)
