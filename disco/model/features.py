"""The feature space: the audio features -> Yeo-Johnson + standard scaler (``z``), and a 3D PCA.

Fitted with scikit-learn, then kept as plain NumPy parameters (lambdas, means, scales, PCA axes) so that
loading and transforming need neither scikit-learn nor pickles: a saved space is one small ``.npz``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from disco.data.schema import ABSTRACT_FEATURES
from disco.errors import ModelError
from disco.model.arrays import SongArrays

_FORMAT = "disco-feature-space-1"
_EPS = 1e-6  # beyond the transform's range the inverse saturates near its bound instead of dividing by 0


def _features_matrix(songs: pd.DataFrame, features=ABSTRACT_FEATURES) -> np.ndarray:
    missing = [c for c in features if c not in songs.columns]
    if missing:
        raise ValueError(f"songs frame lacks feature columns {missing}; expected {list(features)}")
    x = songs[list(features)].to_numpy(dtype=np.float64)
    if not np.isfinite(x).all():
        bad = int((~np.isfinite(x).all(axis=1)).sum())
        raise ValueError(f"{bad} songs have missing or infinite abstract features")
    return x


def yeo_johnson(x: np.ndarray, lambdas: np.ndarray) -> np.ndarray:
    """Yeo-Johnson transform of each column of ``x`` (n, d) with its ``lambdas`` (d,) (same as scikit-learn)."""
    x = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x)
    pos = x >= 0
    for j, lam in enumerate(np.asarray(lambdas, dtype=np.float64)):
        xp, xn = x[pos[:, j], j], x[~pos[:, j], j]
        out[pos[:, j], j] = np.log1p(xp) if abs(lam) < 1e-12 else (np.power(xp + 1, lam) - 1) / lam
        out[~pos[:, j], j] = (-np.log1p(-xn) if abs(lam - 2) < 1e-12
                              else -(np.power(1 - xn, 2 - lam) - 1) / (2 - lam))
    return out


def inverse_yeo_johnson(y: np.ndarray, lambdas: np.ndarray) -> np.ndarray:
    """Inverse of :func:`yeo_johnson`; values beyond the transform's range saturate near its bound."""
    y = np.asarray(y, dtype=np.float64)
    out = np.empty_like(y)
    pos = y >= 0
    for j, lam in enumerate(np.asarray(lambdas, dtype=np.float64)):
        yp, yn = y[pos[:, j], j], y[~pos[:, j], j]
        if abs(lam) < 1e-12:
            out[pos[:, j], j] = np.expm1(yp)
        else:
            out[pos[:, j], j] = np.power(np.maximum(yp * lam + 1, _EPS), 1 / lam) - 1
        if abs(lam - 2) < 1e-12:
            out[~pos[:, j], j] = -np.expm1(-yn)
        else:
            out[~pos[:, j], j] = 1 - np.power(np.maximum(-(2 - lam) * yn + 1, _EPS), 1 / (2 - lam))
    return out


class FeatureSpace:
    """Yeo-Johnson + StandardScaler on the audio ``features`` (default the 8 abstract features), PCA(3) on
    the result.

    ``fit`` drops duplicate songs (identical features) first, so songs listed several times do not weigh
    more. After fitting: ``lambdas_``, ``mean_``, ``scale_`` (d,), ``pca_mean_`` (d,), ``pca_components_``
    (3, d), ``n_fit_songs_``.
    """

    def __init__(self, features: tuple[str, ...] = ABSTRACT_FEATURES, n_components: int = 3):
        self.features = tuple(features)
        self.n_components = n_components

    # -- fitting ---------------------------------------------------------------------------------
    def fit(self, songs: pd.DataFrame) -> "FeatureSpace":
        """Fit on ``songs`` (a frame with the abstract feature columns; pass the TRAIN songs only)."""
        from sklearn.decomposition import PCA
        from sklearn.preprocessing import PowerTransformer, StandardScaler

        x = np.unique(_features_matrix(songs, self.features), axis=0)
        if len(x) < max(2, self.n_components):
            raise ValueError(f"need at least {max(2, self.n_components)} distinct songs to fit, got {len(x)}")
        power = PowerTransformer(method="yeo-johnson", standardize=False).fit(x)
        t = power.transform(x)
        scaler = StandardScaler().fit(t)
        z = scaler.transform(t)
        pca = PCA(n_components=self.n_components, svd_solver="full").fit(z)
        self.lambdas_ = power.lambdas_.astype(np.float64)
        self.mean_ = scaler.mean_.astype(np.float64)
        self.scale_ = scaler.scale_.astype(np.float64)
        self.pca_mean_ = pca.mean_.astype(np.float64)
        self.pca_components_ = pca.components_.astype(np.float64)
        self.n_fit_songs_ = int(len(x))
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "lambdas_"):
            raise ModelError("FeatureSpace is not fitted: call fit(songs) or FeatureSpace.load(path)")

    # -- transforms ------------------------------------------------------------------------------
    def transform(self, songs: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Raw features (frame with the feature columns, or an (n, d) array in their order) -> ``z`` (n, d)
        float32."""
        self._check_fitted()
        x = _features_matrix(songs, self.features) if isinstance(songs, pd.DataFrame) \
            else np.asarray(songs, np.float64)
        return ((yeo_johnson(x, self.lambdas_) - self.mean_) / self.scale_).astype(np.float32)

    def inverse_transform(self, z: np.ndarray) -> pd.DataFrame:
        """``z`` (n, d) -> raw features (frame, in :attr:`features` order); 0..1 features clipped to 0..1."""
        self._check_fitted()
        z = np.atleast_2d(np.asarray(z, dtype=np.float64))
        x = inverse_yeo_johnson(z * self.scale_ + self.mean_, self.lambdas_)
        bounded = [j for j, f in enumerate(self.features) if f != "loudness"]
        x[:, bounded] = np.clip(x[:, bounded], 0.0, 1.0)
        return pd.DataFrame(x, columns=list(self.features))

    def project(self, z: np.ndarray) -> np.ndarray:
        """``z`` (n, d) -> PCA coordinates (n, 3) float32, for the 3D trajectory."""
        self._check_fitted()
        z = np.atleast_2d(np.asarray(z, dtype=np.float64))
        return ((z - self.pca_mean_) @ self.pca_components_.T).astype(np.float32)

    def song_arrays(self, songs: pd.DataFrame) -> SongArrays:
        """The numeric view of a songs frame in this space (needs :attr:`features` for every song)."""
        z = self.transform(songs)
        return song_arrays(songs, z, self.project(z))

    # -- persistence -----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, np.ndarray]:
        self._check_fitted()
        return {
            "lambdas": self.lambdas_, "mean": self.mean_, "scale": self.scale_,
            "pca_mean": self.pca_mean_, "pca_components": self.pca_components_,
            "meta": np.array(json.dumps({"format": _FORMAT, "features": list(self.features),
                                         "n_fit_songs": self.n_fit_songs_})),
        }

    def save(self, path: str | Path) -> Path:
        """Write the parameters to ``path`` (.npz, no pickle)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as fh:  # open ourselves so numpy does not append ".npz"
            np.savez(fh, **self.to_dict())
        return path

    @classmethod
    def load(cls, path: str | Path) -> "FeatureSpace":
        """Read a space written by :meth:`save`; :class:`ModelError` if missing or of another format."""
        path = Path(path)
        if not path.is_file():
            raise ModelError(f"feature space {path} not found; run `python -m disco train` to create it")
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                params = {k: data[k].astype(np.float64) for k in
                          ("lambdas", "mean", "scale", "pca_mean", "pca_components")}
        except (KeyError, ValueError, OSError) as exc:
            raise ModelError(f"{path} is not a DISCO feature space ({exc})") from exc
        features = tuple(meta.get("features", ()))
        if meta.get("format") != _FORMAT or not features or len(features) != len(params["lambdas"]):
            raise ModelError(f"{path} was written for another feature layout ({meta}); retrain with "
                             "`disco train`")
        fs = cls(features, n_components=params["pca_components"].shape[0])
        fs.lambdas_, fs.mean_, fs.scale_ = params["lambdas"], params["mean"], params["scale"]
        fs.pca_mean_, fs.pca_components_ = params["pca_mean"], params["pca_components"]
        fs.n_fit_songs_ = int(meta.get("n_fit_songs", 0))
        return fs


def song_arrays(songs: pd.DataFrame, z: np.ndarray, pca: np.ndarray) -> SongArrays:
    """The engine's arrays of a songs frame with its feature vectors ``z`` (n, d) and plot coordinates
    ``pca`` (n, 3): a song without a key gets -1 (no key), without a tempo NaN (scored neutrally)."""
    missing = [c for c in ("key", "mode", "tempo") if c not in songs]
    if missing:
        raise ValueError(f"songs frame lacks column(s) {missing}")
    key = pd.to_numeric(songs["key"], errors="coerce").fillna(-1).to_numpy(dtype=np.int8)
    mode = pd.to_numeric(songs["mode"], errors="coerce").fillna(1).to_numpy(dtype=np.int8)
    optional = {name: songs[name].to_numpy(dtype=np.float32) if name in songs else None
                for name in ("energy", "valence")}
    return SongArrays(z=np.asarray(z, dtype=np.float32), mode=mode, key=key,
                      tempo=songs["tempo"].to_numpy(dtype=np.float32), pca=np.asarray(pca, dtype=np.float32),
                      artist=_artist_codes(songs), **optional)


def _artist_codes(songs: pd.DataFrame) -> np.ndarray:
    """Artist names -> int32 codes (-1 = unknown), for the no-repeat-artist rule."""
    if "artist" not in songs.columns:
        return np.full(len(songs), -1, dtype=np.int32)
    names = songs["artist"].astype("string").fillna("").str.strip().str.casefold()
    codes, _ = pd.factorize(names.where(names != "", None))
    return codes.astype(np.int32)
