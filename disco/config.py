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
    """Trained artifacts: ``$DISCO_MODELS_DIR``, else those an installed wheel holds (``disco/models``: setup.py
    ships the repository's ``models/`` there), else the checkout's ``models/``."""
    if "DISCO_MODELS_DIR" in os.environ:
        return Path(os.environ["DISCO_MODELS_DIR"]).expanduser()
    installed = Path(__file__).resolve().parent / "models"
    return installed if installed.is_dir() else PACKAGE_ROOT / "models"
