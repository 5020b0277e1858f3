"""What the evaluation reads: the trained model, its test playlists, the catalog, and where results go."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np

EVALUATION_NAME = "evaluation.json"


def default_json_path() -> Path:
    """Where full runs save their results (beside the model, so the dashboard shows committed numbers)."""
    from disco import config

    return config.models_dir() / EVALUATION_NAME


def load_inputs():
    """(catalog, song arrays, predictor, test playlist ids, model card) from the default data and model.
    Raises :class:`~disco.errors.ModelError` when there is no model or its card lists no test playlists."""
    from disco.data.catalog import load_default_catalog
    from disco.errors import ModelError
    from disco.model.bundle import FlowModel

    model = FlowModel.load()
    test_ids = (model.card.get("split_playlists") or {}).get("test")
    if not test_ids:
        raise ModelError("the model card lists no test playlists (split_playlists.test): "
                         "retrain with `python -m disco train`")
    catalog = load_default_catalog()
    return catalog, model.song_arrays(catalog), model.stepper, list(test_ids), model.card


def playlist_indices(playlists: Mapping[str, Sequence[str]], index_of: Callable[[list[str]], np.ndarray],
                     ids: Sequence[str]) -> tuple[dict[str, np.ndarray], list[str]]:
    """Song indices of each playlist in ``ids`` (first occurrence of repeated tracks kept, in order).
    Returns (id -> indices, ids missing from ``playlists``)."""
    out, missing = {}, []
    for pid in ids:
        if pid not in playlists:
            missing.append(pid)
            continue
        idx = index_of(list(playlists[pid]))
        _, first = np.unique(idx, return_index=True)
        out[pid] = idx[np.sort(first)]
    return out, missing
