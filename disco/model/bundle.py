"""The trained flow model as one bundle: feature space + NumPy stepper + model card (no TensorFlow).

Songs do not always have every audio feature: a DJ library gives tempo and key, DISCO's own audio analysis
gives loudness, energy and danceability. :meth:`FlowModel.prepare` picks the richest network whose features
every song has (the main network on the 8 Spotify-style features, else the audio network on the features
audio analysis measures, when the card has one), else turns the flow network off: the songs are then ordered on
key, tempo and the arc alone, and :class:`FlowStatus` says why. A variant declared with a quantile scale
(:mod:`disco.model.scale`) gets the songs DISCO measured rank-mapped onto the catalog's scale first.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from disco import config
from disco.errors import ModelError
from disco.model.arrays import Predictor, SongArrays
from disco.model.baselines import NoNetwork
from disco.model.features import FeatureSpace, song_arrays
from disco.model.scale import QuantileScale
from disco.model.stepper import RNNStepper

# The features DISCO's own audio analysis measures (besides key, mode and tempo), in ABSTRACT_FEATURES order.
AUDIO_FEATURES = ("danceability", "energy", "loudness")
# Feature sets a variant network can be trained on (`disco train --features NAME`); its files start "NAME_".
VARIANT_FEATURE_SETS = {"audio": AUDIO_FEATURES}
FALLBACK_AXES = ("energy", "danceability", "valence", "loudness", "tempo")  # 3D plot without a network

CARD_NAME = "model_card.json"
FEATURE_SPACE_NAME = "feature_space.npz"
_HINT = "run `python -m disco train` to create it (or set DISCO_MODELS_DIR to a folder holding one)"


@dataclass(frozen=True)
class FlowStatus:
    """Which network orders a set of songs: ``network`` (None = off), the ``features`` it reads, and per
    feature how many songs lack it (``missing``: why a richer network is off)."""

    network: str | None
    features: tuple[str, ...]
    missing: dict = field(default_factory=dict)
    mapped: int = 0  # songs whose DISCO-measured features were rank-mapped onto the catalog's scale

    def describe(self) -> str:
        """One sentence for the user."""
        lacking = ", ".join(f"{name} ({count:,} songs)" for name, count in self.missing.items())
        if self.network is None:
            return (f"flow network off: the songs lack audio features ({lacking}); they are ordered on key, tempo "
                    "and the energy arc")
        text = f"flow network {self.network} on {', '.join(self.features)}"
        if self.mapped:
            text += (f"; DISCO's measures of {self.mapped:,} song{'s' if self.mapped != 1 else ''} rank-mapped "
                     "onto the catalog's scale")
        return text + (f" (the full network needs {lacking})" if lacking else "")


@dataclass(frozen=True)
class NetworkVariant:
    """A network on fewer features than the main one: its ``name`` (file stem), :class:`FeatureSpace`,
    stepper and, when the card gives one, the :class:`QuantileScale` putting DISCO's measures on its scale."""

    name: str
    features: FeatureSpace
    stepper: RNNStepper
    scale: QuantileScale | None = None


@dataclass
class FlowModel:
    """What the engine and dashboard need: ``features`` (FeatureSpace), ``stepper`` (RNNStepper) and ``card``
    of the main network; ``variants``: :class:`NetworkVariant` on fewer features, richest first (the audio
    network)."""

    features: FeatureSpace
    stepper: RNNStepper
    card: dict = field(default_factory=dict)
    name: str = "network"
    models_dir: Path | None = None
    variants: list = field(default_factory=list)

    @classmethod
    def load(cls, models_dir: str | Path | None = None, network: str | None = None) -> "FlowModel":
        """Load from ``models_dir`` (default :func:`config.models_dir`) the card's chosen network, or ``network``.

        Raises :class:`ModelError` naming the missing file when the folder was not trained.
        """
        folder = Path(models_dir) if models_dir is not None else config.models_dir()
        card_path = folder / CARD_NAME
        if not card_path.is_file():
            raise ModelError(f"no trained model in {folder} ({CARD_NAME} missing): {_HINT}")
        try:
            card = json.loads(card_path.read_text())
        except (OSError, ValueError) as exc:
            raise ModelError(f"{card_path} is not a readable model card ({exc}): {_HINT}") from exc
        names = [c.get("name") for c in card.get("candidates", [])]
        name = network or card.get("chosen")
        if not name:
            raise ModelError(f"{card_path} names no chosen network: {_HINT}")
        if names and name not in names:
            raise ModelError(f"network {name!r} was not trained in {folder}; available: {', '.join(names)}")
        space = FeatureSpace.load(folder / card.get("feature_space", {}).get("file", FEATURE_SPACE_NAME))
        stepper = RNNStepper.load(folder / f"{name}.npz")
        variants = []
        for variant in card.get("variants", []):  # networks on fewer features, declared by the card
            try:
                scale = QuantileScale.load(folder / variant["scale"]) if variant.get("scale") else None
                variants.append(NetworkVariant(variant["name"], FeatureSpace.load(folder / variant["feature_space"]),
                                               RNNStepper.load(folder / f"{variant['chosen']}.npz"), scale))
            except KeyError as exc:
                raise ModelError(f"{card_path}: a variant lacks {exc} ({variant.get('name', '?')}): {_HINT}") from None
        variants.sort(key=lambda v: -len(v.features.features))
        return cls(features=space, stepper=stepper, card=card, name=name, models_dir=folder, variants=variants)

    def song_arrays(self, catalog_or_songs) -> SongArrays:
        """Per-song arrays of a :class:`~disco.data.catalog.Catalog` or of a songs frame in the main network's
        feature space (every song needs its features; see :meth:`prepare` for songs that may not)."""
        songs = catalog_or_songs if isinstance(catalog_or_songs, pd.DataFrame) else catalog_or_songs.songs
        return self.features.song_arrays(songs)

    def prepare(self, catalog_or_songs) -> tuple[SongArrays, Predictor, FlowStatus]:
        """(arrays, predictor, status) for a set of songs: the richest network whose features every song has,
        or no network (key, tempo and arc only) when none fits. Under a variant with a quantile scale, the
        songs DISCO measured are rank-mapped among themselves onto the catalog's scale (:mod:`disco.model.scale`):
        their network inputs, plot coordinates and energy (for the arc) all use the mapped values; the songs
        frame itself is not changed."""
        songs = catalog_or_songs if isinstance(catalog_or_songs, pd.DataFrame) else catalog_or_songs.songs
        options = [NetworkVariant(self.name, self.features, self.stepper)] + list(self.variants)
        main_missing = _missing(songs, self.features.features)
        for option in options:
            if not _missing(songs, option.features.features):
                frame, mapped = option.scale.apply(songs) if option.scale is not None else (songs, 0)
                missing = main_missing if option.name != self.name else {}
                return (option.features.song_arrays(frame), option.stepper,
                        FlowStatus(option.name, option.features.features, missing, mapped))
        z = np.zeros((len(songs), 0), dtype=np.float32)
        return song_arrays(songs, z, fallback_coordinates(songs)), NoNetwork(), FlowStatus(None, (), main_missing)

    @property
    def candidates(self) -> list[str]:
        """Names of the networks trained with this card (each loadable with ``network=``)."""
        return [c["name"] for c in self.card.get("candidates", [])]


def _missing(songs: pd.DataFrame, features) -> dict[str, int]:
    """Feature -> number of songs without it (absent columns count every song)."""
    out = {}
    for name in features:
        count = len(songs) if name not in songs else int(pd.to_numeric(songs[name], errors="coerce").isna().sum())
        if count:
            out[name] = count
    return out


def fallback_coordinates(songs: pd.DataFrame) -> np.ndarray:
    """(n, 3) plot coordinates without a feature space: the first three of :data:`FALLBACK_AXES` every song
    has, standardised (zeros for missing axes)."""
    out = np.zeros((len(songs), 3), dtype=np.float32)
    axes = [c for c in FALLBACK_AXES if c in songs and songs[c].notna().all()][:3]
    for j, name in enumerate(axes):
        v = songs[name].to_numpy(dtype=np.float64)
        v = np.log2(v) if name == "tempo" else v
        out[:, j] = (v - v.mean()) / (v.std() or 1.0)
    return out
