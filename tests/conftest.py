"""Shared fixtures: the real catalog when present (else a clear skip), small made-up data otherwise."""

from __future__ import annotations

import fcntl
import os
import tempfile
from pathlib import Path

import pytest

from support import songgen


def _claim_numba_cache() -> None:
    """Give this test process a compile cache for librosa's numba kernels that no other process uses meanwhile.

    Two processes writing one cache at once (two xdist workers, or two pytest runs on the machine) can leave
    entries that crash the next process loading them. Each process takes the first free numbered cache, held
    by a lock until it exits; the cache stays warm for the next run that takes it. Subprocesses of a test (the
    CLI) use the same cache while the test waits for them."""
    root = Path(tempfile.gettempdir())
    slot = 0
    while True:
        lock = open(root / f"disco-numba-cache-{slot}.lock", "w")  # noqa: SIM115 (held until this process exits)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.close()
            slot += 1
            continue
        globals()["_NUMBA_CACHE_LOCK"] = lock
        os.environ["NUMBA_CACHE_DIR"] = str(root / f"disco-numba-cache-{slot}")
        return


_claim_numba_cache()  # before anything imports numba

REAL_DATA_REASON = (
    "real catalog absent: set DISCO_DATA_DIR to a folder holding spotify_songs.csv "
    "(`python -m disco data fetch` downloads it)"
)


def real_csv_path() -> Path | None:
    path = Path(os.environ.get("DISCO_DATA_DIR", "data")) / "spotify_songs.csv"
    return path if path.is_file() else None


@pytest.fixture(scope="session")
def real_csv() -> Path:
    """Path of the real TidyTuesday CSV, or skip the test."""
    path = real_csv_path()
    if path is None:
        pytest.skip(REAL_DATA_REASON)
    return path


@pytest.fixture(scope="session")
def trained_model():
    """The committed flow model (:class:`disco.model.bundle.FlowModel`), or skip the test."""
    from disco import config
    from disco.errors import ModelError
    from disco.model.bundle import FlowModel

    try:
        return FlowModel.load()
    except ModelError as exc:
        pytest.skip(f"no trained model in {config.models_dir()}: {exc}")


@pytest.fixture
def tidy_csv(tmp_path) -> Path:
    """A small made-up TidyTuesday-schema CSV (240 songs, 12 playlists)."""
    path = tmp_path / "songs.csv"
    songgen.write_tidy_csv(path)
    return path


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path, monkeypatch):
    # Tests never write caches next to the real data.
    monkeypatch.setenv("DISCO_CACHE_DIR", str(tmp_path / "cache"))


def models_reason() -> str | None:
    """Why the committed models cannot be used (None when they can)."""
    from disco import config

    if not (config.models_dir() / "model_card.json").is_file():
        return f"no trained model in {config.models_dir()} (run `python -m disco train`)"
    return None


@pytest.fixture
def models():
    """Skip the test without the committed models."""
    reason = models_reason()
    if reason:
        pytest.skip(reason)


@pytest.fixture
def fresh_streamlit_caches():
    """AppTest runs in this process: start the test from empty Streamlit caches."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield


@pytest.fixture(scope="session")
def disco(tmp_path_factory):
    """The made-up songs (those ``tidy_csv`` writes) behind the engine's facade, with a fake network (no model
    needed). One for the session: tests only read it."""
    from disco.data.catalog import load_catalog
    from disco.engine.service import Disco
    from support.fakes import LinearRNN, arrays_from_songs

    path = tmp_path_factory.mktemp("disco") / "songs.csv"
    songgen.write_tidy_csv(path)
    cat = load_catalog(path, cache=False)
    return Disco(cat, arrays_from_songs(cat.songs), LinearRNN())


@pytest.fixture(scope="session")
def audio_model():
    """The committed models folder, when its card declares the audio network (else skip)."""
    from disco.errors import ModelError
    from disco.model.bundle import AUDIO_FEATURES, FlowModel

    try:
        model = FlowModel.load()
    except ModelError as exc:
        pytest.skip(f"no trained model: {exc}")
    if not any(v.features.features == AUDIO_FEATURES for v in model.variants):
        pytest.skip("the models folder has no audio network: run `python -m disco train --features audio`")
    return model


@pytest.fixture
def made_up_songs(tmp_path, monkeypatch):
    """A made-up catalog (240 songs, 12 playlists) written as the default data set; returns its rows."""
    from disco import config

    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("DISCO_DATA_DIR", str(folder))
    return songgen.write_tidy_csv(folder / config.DATASET_FILENAME)
