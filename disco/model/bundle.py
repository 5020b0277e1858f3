"""The trained flow model as one bundle: feature space + NumPy stepper + model card (no TensorFlow)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from disco import config
from disco.errors import ModelError
from disco.model.features import FeatureSpace
from disco.model.arrays import SongArrays
from disco.model.stepper import RNNStepper

CARD_NAME = "model_card.json"
FEATURE_SPACE_NAME = "feature_space.npz"
_HINT = "run `python -m disco train` to create it (or set DISCO_MODELS_DIR to a folder holding one)"


@dataclass
class FlowModel:
    """What the engine and dashboard need: ``features`` (FeatureSpace), ``stepper`` (RNNStepper), ``card``."""

    features: FeatureSpace
    stepper: RNNStepper
    card: dict = field(default_factory=dict)
    name: str = "network"
    models_dir: Path | None = None

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
        return cls(features=space, stepper=stepper, card=card, name=name, models_dir=folder)

    def song_arrays(self, catalog_or_songs) -> SongArrays:
        """Per-song arrays of a :class:`~disco.catalog.Catalog` or of a songs frame."""
        songs = catalog_or_songs if isinstance(catalog_or_songs, pd.DataFrame) else catalog_or_songs.songs
        return self.features.song_arrays(songs)

    @property
    def candidates(self) -> list[str]:
        """Names of the networks trained with this card (each loadable with ``network=``)."""
        return [c["name"] for c in self.card.get("candidates", [])]
