"""Where DISCO reads data and models from. Environment, not global state: read on each call."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent.parent

DATASET_FILENAME = "spotify_songs.csv"
DATASET_SHA256 = "9902920cfe4940f0914ebb6716801a42f7f19ac88fbd6693eaae7e2822b16845"
DATASET_URLS = (
    "https://raw.githubusercontent.com/rfordatascience/tidytuesday/main/data/2020/2020-01-21/spotify_songs.csv",
    "https://raw.githubusercontent.com/rfordatascience/tidytuesday/master/data/2020/2020-01-21/spotify_songs.csv",
)


def data_dir() -> Path:
    """The folder holding song files: ``$DISCO_DATA_DIR``, else ``./data``."""
    return Path(os.environ.get("DISCO_DATA_DIR", "data")).expanduser()


def default_dataset_path() -> Path:
    """The TidyTuesday CSV inside :func:`data_dir`."""
    return data_dir() / DATASET_FILENAME


def models_dir() -> Path:
    """Trained artifacts: ``$DISCO_MODELS_DIR``, else the repository's ``models/``."""
    return Path(os.environ.get("DISCO_MODELS_DIR", PACKAGE_ROOT / "models")).expanduser()
