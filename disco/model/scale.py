"""DISCO's own audio measures on the scale a network was trained on: rank (quantile) mapping.

DISCO's audio analysis (:mod:`disco.audio`) measures danceability, energy and loudness itself; Spotify's
numbers of the same names came from models it never published, and the audio network was trained on
Spotify's. The two agree in direction (louder is louder, busier is more energetic), not in value: DISCO's
loudness is integrated LUFS, its energy and danceability are its own formulas. So a song DISCO measured is
not fed as is. Per feature, each such song gets its **rank among the songs DISCO measured in the same set**
(the library being ordered), and that rank is read off the catalog's training-song distribution of the
feature (its quantile function, stored as :data:`N_QUANTILES` values and interpolated between them):

    p = (average rank - 0.5) / n          (Hazen plotting position; ties share their rank)
    mapped value = catalog quantile at p  (linear between the stored quantiles)

The mapping is monotone (a louder song stays louder), maps the library's median song to the catalog's
median, and undoes any monotone difference between DISCO's scale and Spotify's. Its cost: it assumes the
library spans the catalog's range. A library of only quiet songs is stretched over the catalog's whole range
(its quietest song becomes a catalog-quiet song), so the network sees bigger differences than there are; the
training card reports what that costs on the test playlists (:func:`mapping_cost`). Songs measured by Spotify
(or anyone else: ``measured_by`` not starting with :data:`DISCO_AUDIO_PREFIX`) are never changed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from disco.errors import ModelError
from disco.model.windows import make_windows, masked_mae, running_mean, window_tensors

_FORMAT = "disco-quantile-scale-1"
N_QUANTILES = 101  # the catalog's 0th, 1st, ..., 100th percentile of each feature
MEASURED_BY_COLUMN = "measured_by"
# `measured_by` of songs measured by DISCO's audio analysis: this prefix + its analysis version
# (disco.audio.analysis.MEASURED_BY); the model does not depend on the audio layer for one string.
DISCO_AUDIO_PREFIX = "disco-audio-"


def measured_by_disco(songs: pd.DataFrame) -> np.ndarray:
    """(n,) bool: the songs whose features DISCO's audio analysis measured (``measured_by`` says so)."""
    if MEASURED_BY_COLUMN not in songs:
        return np.zeros(len(songs), dtype=bool)
    text = songs[MEASURED_BY_COLUMN].astype("string").fillna("").str.strip()
    return text.str.startswith(DISCO_AUDIO_PREFIX).to_numpy(dtype=bool)


def plotting_positions(values: np.ndarray) -> np.ndarray:
    """(n,) probabilities in (0, 1) of ``values`` within themselves: (average rank - 0.5) / n; NaN stays NaN."""
    values = np.asarray(values, dtype=np.float64)
    out = np.full(values.shape, np.nan)
    finite = np.isfinite(values)
    n = int(finite.sum())
    if n:
        ranks = pd.Series(values[finite]).rank(method="average").to_numpy()
        out[finite] = (ranks - 0.5) / n
    return out


class QuantileScale:
    """The catalog's quantiles of some ``features`` (``quantiles_`` (d, N_QUANTILES) at probabilities
    ``probabilities_``) and the rank mapping of a set of songs onto them."""

    def __init__(self, features: Sequence[str]):
        self.features = tuple(features)

    def fit(self, songs: pd.DataFrame, n_quantiles: int = N_QUANTILES) -> QuantileScale:
        """The quantiles of ``songs`` (pass the TRAIN songs; duplicates dropped as the feature space does)."""
        missing = [c for c in self.features if c not in songs]
        if missing:
            raise ValueError(f"songs frame lacks feature columns {missing}")
        x = songs[list(self.features)].to_numpy(dtype=np.float64)
        x = np.unique(x[np.isfinite(x).all(axis=1)], axis=0)
        if len(x) < 2 or n_quantiles < 2:
            raise ValueError(f"need 2+ distinct songs and 2+ quantiles, got {len(x)} songs, {n_quantiles} quantiles")
        self.probabilities_ = np.linspace(0.0, 1.0, n_quantiles)
        self.quantiles_ = np.quantile(x, self.probabilities_, axis=0).T.copy()
        self.n_fit_songs_ = len(x)
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "quantiles_"):
            raise ModelError("QuantileScale is not fitted: call fit(songs) or QuantileScale.load(path)")

    def at(self, feature: str, probabilities: np.ndarray) -> np.ndarray:
        """The catalog's values of ``feature`` at ``probabilities`` (its quantile function, piecewise linear)."""
        self._check_fitted()
        j = self.features.index(feature)
        return np.interp(np.asarray(probabilities, np.float64), self.probabilities_, self.quantiles_[j])

    def map_values(self, values: np.ndarray) -> np.ndarray:
        """(n, d) raw values of :attr:`features` (one set of songs, e.g. one library) -> the catalog's values at
        their ranks within the set, column by column; NaN stays NaN."""
        values = np.asarray(values, dtype=np.float64)
        if values.ndim != 2 or values.shape[1] != len(self.features):
            raise ValueError(f"expected (n, {len(self.features)}) values of {self.features}, got {values.shape}")
        out = np.empty_like(values)
        for j, name in enumerate(self.features):
            out[:, j] = self.at(name, plotting_positions(values[:, j]))
        return out

    def apply(self, songs: pd.DataFrame) -> tuple[pd.DataFrame, int]:
        """``songs`` with the features of the songs DISCO measured rank-mapped among themselves (a copy; the
        others untouched), and how many songs were mapped."""
        disco = measured_by_disco(songs)
        if not disco.any():
            return songs, 0
        features = [c for c in self.features if c in songs]
        out = songs.copy()
        values = out.loc[disco, features].apply(pd.to_numeric, errors="coerce").to_numpy(np.float64)
        full = np.full((len(values), len(self.features)), np.nan)
        full[:, [self.features.index(c) for c in features]] = values
        mapped = self.map_values(full)
        for c in features:
            out[c] = out[c].astype(np.float64)
            out.loc[disco, c] = mapped[:, self.features.index(c)]
        return out, int(disco.sum())

    # -- persistence -----------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the quantiles to ``path`` (.npz, no pickle)."""
        self._check_fitted()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {"format": _FORMAT, "features": list(self.features), "n_fit_songs": self.n_fit_songs_}
        with open(path, "wb") as fh:  # open ourselves so numpy does not append ".npz"
            np.savez(fh, probabilities=self.probabilities_, quantiles=self.quantiles_, meta=np.array(json.dumps(meta)))
        return path

    @classmethod
    def load(cls, path: str | Path) -> QuantileScale:
        """Read quantiles written by :meth:`save`; :class:`ModelError` when missing or of another format."""
        path = Path(path)
        if not path.is_file():
            raise ModelError(f"quantile scale {path} not found; run `python -m disco train --features audio`")
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                probabilities = data["probabilities"].astype(np.float64)
                quantiles = data["quantiles"].astype(np.float64)
        except (KeyError, ValueError, OSError) as exc:
            raise ModelError(f"{path} is not a DISCO quantile scale ({exc})") from exc
        features = tuple(meta.get("features", ()))
        if (meta.get("format") != _FORMAT or not features or quantiles.shape != (len(features), len(probabilities))
                or np.any(np.diff(probabilities) <= 0) or np.any(np.diff(quantiles, axis=1) < 0)):
            raise ModelError(f"{path} is not a valid quantile scale ({meta}); retrain with "
                             "`python -m disco train --features audio`")
        scale = cls(features)
        scale.probabilities_, scale.quantiles_ = probabilities, quantiles
        scale.n_fit_songs_ = int(meta.get("n_fit_songs", 0))
        return scale


# -- what the mapping costs, measured on the test playlists ---------------------------------------------------
# Strictly increasing stand-ins for "another scale than Spotify's": rank mapping gives the same result for ANY
# strictly increasing distortion (ranks do not change), so these matter only to the unmapped row.
# Features without one here are left undistorted.
DISTORTIONS: dict[str, tuple[str, Callable[[np.ndarray], np.ndarray]]] = {
    "danceability": ("sqrt(v)", lambda v: np.sqrt(np.clip(v, 0.0, 1.0))),
    "energy": ("v^2", lambda v: np.square(np.clip(v, 0.0, 1.0))),
    "loudness": ("0.6 v - 8 dB", lambda v: 0.6 * v - 8.0),  # a quieter, compressed dB scale
}
_UNCHANGED = ("v", lambda v: v)


def mapping_cost(stepper, space, scale: QuantileScale, songs: pd.DataFrame,
                 playlists: Mapping[str, Sequence[int]], window: int = 50) -> dict:
    """The network's next-song MAE on ``playlists`` (song indices into ``songs``; pass the TEST playlists)
    when its inputs are not the true features but rank-mapped from a monotone distortion of them
    (:data:`DISTORTIONS`). Rows, each with the MAE of the network and of the playlist-mean baseline on the same
    inputs against the true next songs (``network``, ``playlist_mean``) and against the next songs on the
    inputs' own scale, which is what the engine's distance compares with (``*_vs_own_scale``), and
    ``input_mae``: mean |mapped z - true z|:

    - ``true``: the true features (the card's test MAE);
    - ``mapped_as_one_library``: all the test songs ranked together, as one big library;
    - ``mapped_per_playlist``: each playlist ranked on its own, as a library of one genre and mood would be
      (the stretch: a quiet playlist is spread over the catalog's whole range); ``raw_error`` gives the mean
      |mapped - true| per feature in its own units;
    - ``distorted_unmapped``: the distorted values fed as they are (no mapping).
    """
    features = tuple(space.features)
    order = {pid: np.asarray(idx, dtype=np.int64) for pid, idx in playlists.items() if len(idx) >= 2}
    rows = np.concatenate(list(order.values()))  # one row per (playlist, position): a song may repeat
    offsets = np.cumsum([0] + [len(v) for v in order.values()])
    windows = make_windows({pid: np.arange(offsets[i], offsets[i + 1]) for i, pid in enumerate(order)}, window)
    frame = songs.iloc[rows].reset_index(drop=True)
    true_raw = frame[list(features)].to_numpy(np.float64)
    distortions = {f: DISTORTIONS.get(f, _UNCHANGED) for f in features}
    distorted = np.column_stack([distortions[f][1](true_raw[:, j]) for j, f in enumerate(features)])

    _, first, inverse = np.unique(rows, return_index=True, return_inverse=True)
    one_library = scale.map_values(distorted[first])[inverse]  # each song once, however many playlists hold it
    per_playlist = np.vstack([scale.map_values(distorted[offsets[i]:offsets[i + 1]]) for i in range(len(order))])
    mode = frame["mode"].to_numpy(np.float32)[:, None]

    def inputs(raw: np.ndarray) -> np.ndarray:
        return np.hstack([mode, space.transform(raw)])

    x_true = inputs(true_raw)
    _, Y, mask = window_tensors(windows, x_true)
    out = {"distortions": {f: text for f, (text, _) in distortions.items()},
           "playlists": len(order), "transitions": int(mask.sum())}
    for name, raw in (("true", true_raw), ("mapped_as_one_library", one_library),
                      ("mapped_per_playlist", per_playlist), ("distorted_unmapped", distorted)):
        x = inputs(raw)
        X, Y_own, _ = window_tensors(windows, x)
        pred, mean = stepper.run_batch(X, mask), running_mean(X, mask)
        row = {"network": masked_mae(pred, Y, mask), "playlist_mean": masked_mae(mean, Y, mask),
               # what the engine compares predictions with: the next song on the same (mapped) scale
               "network_vs_own_scale": masked_mae(pred, Y_own, mask),
               "playlist_mean_vs_own_scale": masked_mae(mean, Y_own, mask),
               "input_mae": float(np.abs(x[:, 1:] - x_true[:, 1:]).mean())}
        if name == "mapped_per_playlist":
            row["raw_error"] = {f: float(np.abs(raw[:, j] - true_raw[:, j]).mean()) for j, f in enumerate(features)}
        out[name] = row
    return out
