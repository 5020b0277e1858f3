"""Cached loading and computing for the dashboard.

``st.cache_resource`` holds what is loaded once per process: the flow model and the default catalog.
``st.cache_data`` holds results keyed by the Disco, ``settings.key()`` and the request, so moving a slider back
returns the earlier playlist at once. Every cache is bounded in entries; those holding a user's songs (an
uploaded catalog, a track list, a reorder) are also bounded in age and belong to the session: Streamlit drops
them when the session ends. Arguments with a leading underscore are not hashed: their key is passed beside them.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import streamlit as st

from disco import config
from disco.app.session import edits, uploads
from disco.app.session.state import SessionSettings
from disco.engine.playlist import Playlist
from disco.engine.pools import PoolFilters
from disco.engine.service import Disco, TrackList
from disco.engine.settings import EngineSettings
from disco.errors import CatalogError

USER_DATA_TTL = 3600.0  # seconds a user's songs stay cached (and never past the session)
BACKGROUND_POINTS = 1500  # catalog sample drawn faintly behind the 3D trajectory
USER_DATA = {"max_entries": 2, "ttl": USER_DATA_TTL, "scope": "session"}


# -- the model and the catalogs ------------------------------------------------------------------------------
@st.cache_resource(show_spinner="Loading the flow model...", max_entries=2)
def _flow_model(models_dir: str):
    from disco.model.bundle import FlowModel

    return FlowModel.load(models_dir)


def flow_model():
    """The trained :class:`~disco.model.bundle.FlowModel` (no TensorFlow). Raises ModelError."""
    return _flow_model(str(config.models_dir()))


def _warm_search(catalog) -> None:
    """Build the catalog's search index in the background: the first keystroke then finds it ready."""
    threading.Thread(target=catalog.search, args=("a",), name="disco-search-index", daemon=True).start()


@st.cache_resource(show_spinner="Loading the catalog and the flow model...", max_entries=2)
def _default_disco(path: str, mtime: float, models_dir: str) -> Disco:
    from pathlib import Path

    from disco.data.catalog import load_catalog

    # named by its file name: messages and the Data page never show where the server keeps its data
    disco = Disco.from_model(load_catalog(path, name=Path(path).name), _flow_model(models_dir))
    _warm_search(disco.catalog)
    return disco


@st.cache_resource(show_spinner="Loading your song file...", **USER_DATA)
def _uploaded_disco(sha256: str, name: str, _data: bytes, models_dir: str) -> Disco:
    from disco.data.catalog import load_catalog

    model = _flow_model(models_dir)
    uploads.check_header(name, _data)
    catalog = load_catalog(_data, name=name, cache=False)  # a user's file is never copied to the disk cache
    if len(catalog) == 0:
        raise CatalogError(f"{name} holds no usable song: {catalog.report.summary()}")
    return Disco.from_model(catalog, model)


def default_disco() -> Disco:
    """The default catalog (``$DISCO_DATA_DIR``) with the flow model. Raises CatalogError/ModelError."""
    path = config.default_dataset_path()
    if not path.is_file():
        raise CatalogError(f"no song catalog yet: {path.name} is not in the data folder")
    return _default_disco(str(path), path.stat().st_mtime, str(config.models_dir()))


def uploaded_disco(name: str, data: bytes, sha256: str | None = None) -> Disco:
    """An uploaded song file (any known layout) with the flow model. Raises CatalogError/ModelError."""
    sha256 = sha256 or hashlib.sha256(data).hexdigest()
    return _uploaded_disco(sha256, name, data, str(config.models_dir()))


def disco_key(disco: Disco) -> str:
    """A cache key of results computed from ``disco`` (its catalog and network)."""
    return f"{disco.catalog.sha256}:{disco.network_name}:{len(disco.arrays)}"


# -- playlists -------------------------------------------------------------------------------------------------
@st.cache_data(show_spinner="Building the playlist...", max_entries=128, ttl=USER_DATA_TTL)
def _build(_disco: Disco, disco_id: str, settings_id: str, seeds: tuple[int, ...], length: int, pool: str,
           pool_size: int, locked: tuple[tuple[int, int], ...], banned: tuple[int, ...],
           target_minutes: float | None, filters_id: str, _settings: EngineSettings,
           _filters: PoolFilters | None) -> Playlist:
    return _disco.build(list(seeds), _settings, length=length, pool=pool, pool_size=pool_size,
                        locked=dict(locked), banned=list(banned), target_minutes=target_minutes, filters=_filters)


def build_playlist(disco: Disco, seeds, settings: EngineSettings, *, length: int, pool: str, pool_size: int,
                   locked: Mapping[int, int] | None = None, banned: Collection[int] = (),
                   target_minutes: float | None = None, filters: PoolFilters | None = None) -> Playlist:
    """:meth:`Disco.build`, cached by the Disco, every setting and the request (locked and banned songs, a
    target in minutes, pool filters included)."""
    locked = tuple(sorted((int(p), int(s)) for p, s in (locked or {}).items()))
    banned = tuple(sorted({int(s) for s in banned}))
    filters = filters if filters is not None and filters.active else None
    filters_id = json.dumps(filters.to_dict(), sort_keys=True) if filters is not None else ""
    return _build(disco, disco_key(disco), settings.key(), tuple(int(s) for s in seeds), int(length), pool,
                  int(pool_size), locked, banned, None if target_minutes is None else float(target_minutes),
                  filters_id, settings, filters)


def build_request(disco: Disco, seeds, record: SessionSettings) -> Playlist:
    """The playlist the session's record asks for: its settings, length or target minutes, pool and filters,
    and its edits (locks past the set's end wait: :func:`disco.app.session.edits.request_locks`)."""
    locks, _ = edits.request_locks(record)
    return build_playlist(disco, seeds, record.engine, length=record.length, pool=record.pool,
                          pool_size=record.pool_size, locked=locks, banned=record.banned,
                          target_minutes=record.target_minutes, filters=record.filters)


@dataclass(frozen=True)
class CatalogValues:
    """What the pool filters can offer for a catalog: its genre and subgenre names (of songs and playlists)
    and its span of release years (None: fewer than two different years, nothing to filter)."""

    genres: tuple[str, ...]
    subgenres: tuple[str, ...]
    years: tuple[int, int] | None


@st.cache_data(max_entries=16, ttl=USER_DATA_TTL)
def _catalog_values(_disco: Disco, disco_id: str) -> CatalogValues:
    catalog = _disco.catalog
    songs = catalog.songs

    def names(column: str) -> tuple[str, ...]:
        values = [songs[column]] if column in songs else []
        if column in catalog.memberships:
            values.append(catalog.memberships[column])
        by_name: dict[str, str] = {}  # the filter ignores case: one entry per name
        for v in sorted({str(v).strip() for series in values for v in series.dropna().unique()}):
            if v:
                by_name.setdefault(v.casefold(), v)
        return tuple(sorted(by_name.values(), key=str.casefold))

    years = pd.to_numeric(songs["year"], errors="coerce") if "year" in songs else pd.Series(dtype=float)
    years = years[np.isfinite(years)]
    span = (int(years.min()), int(years.max())) if len(years) and years.min() < years.max() else None
    return CatalogValues(genres=names("genre"), subgenres=names("subgenre"), years=span)


def catalog_values(disco: Disco) -> CatalogValues:
    """The genres, subgenres and release years of ``disco``'s catalog, for the pool filters' widgets."""
    return _catalog_values(disco, disco_key(disco))


@dataclass(frozen=True)
class Reordered:
    """A reorder: the songs in the order given (``before``) and reordered (``after``), scored alike."""

    before: Playlist
    after: Playlist


@st.cache_data(show_spinner="Finding the best order...", max_entries=16, ttl=USER_DATA_TTL, scope="session")
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
@st.cache_resource(show_spinner="Reading your songs...", **USER_DATA)
def _track_list(_disco: Disco, disco_id: str, content_id: str, name: str, _data: bytes) -> TrackList:
    uploads.check_header(name, _data)
    tracks = _disco.read_track_list(_data, name=name)
    return replace(tracks, source=name)  # messages name the user's file


def track_list(disco: Disco, name: str, data: bytes, content_id: str | None = None) -> tuple[TrackList, str]:
    """The songs of an uploaded file or pasted ids (:meth:`Disco.read_track_list`) and their content key
    (``content_id`` when given, e.g. the upload's id: no need to hash a large file on each run)."""
    content_id = content_id or hashlib.sha256(data).hexdigest()
    return _track_list(disco, disco_key(disco), content_id, name, data), content_id


# -- figures' context ------------------------------------------------------------------------------------------
@st.cache_data(max_entries=4, ttl=USER_DATA_TTL)
def _background(_disco: Disco, disco_id: str, n: int) -> np.ndarray:
    pca = np.asarray(_disco.arrays.pca)
    rows = np.random.default_rng(0).choice(len(pca), size=min(n, len(pca)), replace=False)
    return pca[np.sort(rows)].astype(np.float32)


def background(disco: Disco) -> np.ndarray:
    """A fixed random sample of the catalog's PCA coordinates (context for the 3D trajectory)."""
    return _background(disco, disco_key(disco), BACKGROUND_POINTS)

