"""Feature space: Yeo-Johnson + scaler + PCA, fitted on unique train songs, saved as plain parameters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from disco.data.schema import ABSTRACT_FEATURES
from disco.errors import ModelError
from disco.model.features import FeatureSpace, inverse_yeo_johnson, yeo_johnson
from support import songgen


def _songs(n=300, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(songgen.song_features(rng, n))


def test_yeo_johnson_matches_sklearn_and_inverts():
    from sklearn.preprocessing import PowerTransformer

    x = _songs()[list(ABSTRACT_FEATURES)].to_numpy().copy()
    x[:5, 0] = -0.5  # negative values take the other branch
    pt = PowerTransformer(method="yeo-johnson", standardize=False).fit(x)
    np.testing.assert_allclose(yeo_johnson(x, pt.lambdas_), pt.transform(x), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(inverse_yeo_johnson(yeo_johnson(x, pt.lambdas_), pt.lambdas_), x, atol=1e-9)
    special = np.array([[0.0, 2.0], [0.0, 2.0]])  # lambda 0 and 2 use the log branches
    xs = np.array([[0.5, -0.5], [3.0, -2.0]])
    np.testing.assert_allclose(inverse_yeo_johnson(yeo_johnson(xs, special[0]), special[0]), xs, atol=1e-12)


def test_transform_is_power_then_standard_scaler_then_pca():
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import PowerTransformer

    songs = _songs()
    fs = FeatureSpace().fit(songs)
    x = songs[list(ABSTRACT_FEATURES)].to_numpy()
    expected = PowerTransformer(method="yeo-johnson", standardize=True).fit(x).transform(x)
    z = fs.transform(songs)
    assert z.dtype == np.float32 and z.shape == (len(songs), 8)
    np.testing.assert_allclose(z, expected, atol=1e-4)
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(z.std(axis=0), 1, atol=1e-4)
    pca = PCA(3).fit(expected)
    # PCA axes are defined up to sign
    p = fs.project(z)
    np.testing.assert_allclose(np.abs(p), np.abs(pca.transform(expected)), atol=1e-3)


def test_inverse_transform_round_trip():
    songs = _songs()
    fs = FeatureSpace().fit(songs)
    back = fs.inverse_transform(fs.transform(songs))
    assert list(back.columns) == list(ABSTRACT_FEATURES)
    np.testing.assert_allclose(back.to_numpy(), songs[list(ABSTRACT_FEATURES)].to_numpy(), rtol=1e-4, atol=1e-4)
    # far outside the data the 0..1 features stay in range
    wild = fs.inverse_transform(np.full((1, 8), 25.0))
    assert np.isfinite(wild.to_numpy()).all()
    assert ((wild.iloc[:, :7] >= 0) & (wild.iloc[:, :7] <= 1)).all(axis=None)


def test_fit_ignores_duplicate_songs():
    songs = _songs(100)
    doubled = pd.concat([songs, songs.iloc[:60], songs.iloc[:60]], ignore_index=True)
    a, b = FeatureSpace().fit(songs), FeatureSpace().fit(doubled)
    assert a.n_fit_songs_ == b.n_fit_songs_ == 100
    np.testing.assert_allclose(a.transform(songs), b.transform(songs), atol=1e-6)


def test_save_load_equal(tmp_path):
    songs = _songs()
    fs = FeatureSpace().fit(songs)
    path = fs.save(tmp_path / "fs.npz")
    assert path.name == "fs.npz"
    loaded = FeatureSpace.load(path)
    np.testing.assert_array_equal(loaded.transform(songs), fs.transform(songs))
    np.testing.assert_array_equal(loaded.project(fs.transform(songs)), fs.project(fs.transform(songs)))
    assert loaded.n_fit_songs_ == fs.n_fit_songs_


def test_load_errors_are_clear(tmp_path):
    with pytest.raises(ModelError, match="python -m disco train"):
        FeatureSpace.load(tmp_path / "missing.npz")
    bad = tmp_path / "bad.npz"
    np.savez(bad, x=np.zeros(3))
    with pytest.raises(ModelError, match="not a DISCO feature space"):
        FeatureSpace.load(bad)
    with pytest.raises(ModelError, match="not fitted"):
        FeatureSpace().transform(_songs(5))


def test_song_arrays_layout():
    frame = songgen.tidy_frame()
    fs = FeatureSpace().fit(frame)
    arrays = fs.song_arrays(frame)
    n = len(frame)
    assert arrays.z.shape == (n, 8) and arrays.pca.shape == (n, 3)
    assert arrays.mode.dtype == np.int8 and arrays.key.dtype == np.int8 and arrays.tempo.dtype == np.float32
    np.testing.assert_array_equal(arrays.x[:, 0], frame["mode"].to_numpy())
    np.testing.assert_array_equal(arrays.x[:, 1:], arrays.z)
    with pytest.raises(ValueError, match="tempo"):
        fs.song_arrays(frame.drop(columns="tempo"))
