"""The whole evaluation on the model card's TEST playlists (never seen in training), section by section:

1. ``prediction``: the network's test MAE against its baselines, copied from the model card.
2. ``retrieval``: the true next song among random others (hit@10, MRR) and R-precision.
3. ``ordering``: each test playlist's own songs re-ordered by each method, and the flow of the result.
4. ``builds``: fresh builds from random test songs, checked against the DJ targets.
5. ``sensitivity``: the ordering numbers of ``disco_greedy`` (DJ preset) as one slider moves at a time.

Determinism: one ``seed`` drives every random draw.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Mapping, Sequence

import numpy as np

from disco.engine.settings import DEFAULT_PRESET
from disco.evaluation.builds import builds_section
from disco.evaluation.inputs import playlist_indices
from disco.evaluation.ordering import ordering_section
from disco.evaluation.prediction import prediction_section
from disco.evaluation.report import DEFINITIONS, SLIDER_HELP
from disco.evaluation.retrieval import retrieval_section
from disco.evaluation.sensitivity import sensitivity_info, sensitivity_section
from disco.evaluation.settings import EvalSettings, preset_settings
from disco.model.arrays import Predictor, SongArrays

SECTIONS = ("prediction", "retrieval", "ordering", "builds", "sensitivity")
RUNTIME = "runtime"  # the result's key for wall-clock times, kept apart from the measured results


def evaluate(catalog, arrays: SongArrays, predictor: Predictor, test_ids: Sequence[str], *,
             card: Mapping | None = None, settings: EvalSettings = EvalSettings(), progress: bool = False,
             sections: Sequence[str] = SECTIONS) -> dict:
    """Run the evaluation on ``catalog``'s playlists ``test_ids`` (``sections``: any of :data:`SECTIONS`).
    Returns the JSON-ready result with ``prediction``, ``retrieval``, ``ordering``, ``builds``,
    ``sensitivity``, ``settings`` and ``runtime`` (seconds in all and per section, milliseconds per build:
    the only part that depends on the machine; :func:`without_runtime` leaves it out)."""
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown:
        raise ValueError(f"unknown evaluation sections {unknown} (known: {', '.join(SECTIONS)})")
    started = time.perf_counter()
    found, missing = playlist_indices(catalog.playlists, catalog.index_of, list(test_ids))
    if not found:
        raise ValueError(f"none of the {len(test_ids)} test playlists are in the catalog")
    ids = sorted(found)
    if settings.max_playlists is not None and len(ids) > settings.max_playlists:
        pick = np.random.default_rng([settings.seed, 0]).choice(len(ids), settings.max_playlists, replace=False)
        ids = [ids[i] for i in np.sort(pick)]
    playlists = [found[i] for i in ids]
    # negatives come from songs of the catalog's playlists
    all_ids = [t for tracks in catalog.playlists.values() for t in tracks]
    pool = np.unique(catalog.index_of(all_ids))
    songs = catalog.songs
    popularity = songs["popularity"].to_numpy(dtype=np.float64)
    energy = songs["energy"].to_numpy(dtype=np.float64)
    result: dict = {}
    timing: dict[str, float] = {}

    def timed(name, fn):
        t0 = time.perf_counter()
        value = fn()
        timing[name] = round(time.perf_counter() - t0, 3)
        return value

    if "prediction" in sections:
        result["prediction"] = timed("prediction", lambda: prediction_section(card))
    if "retrieval" in sections:
        r = timed("retrieval", lambda: retrieval_section(playlists, arrays, predictor, popularity, pool,
                                                         settings, show_progress=progress))
        result["retrieval"], result["retrieval_info"] = r["methods"], r["info"]
    if "ordering" in sections:
        o = timed("ordering", lambda: ordering_section(playlists, arrays, predictor, energy, settings,
                                                       show_progress=progress))
        result["ordering"], result["ordering_info"] = o["methods"], o["info"]
    if "builds" in sections:
        result["builds"] = timed("builds", lambda: builds_section(catalog, arrays, predictor, playlists, energy,
                                                                  settings, show_progress=progress))
    if "sensitivity" in sections:
        result["sensitivity"] = timed("sensitivity", lambda: sensitivity_section(
            playlists, arrays, predictor, energy, settings, show_progress=progress))
        result["slider_help"] = dict(SLIDER_HELP)
        result["sensitivity_info"] = sensitivity_info(result.get("builds"), settings.tempo_tolerance_pct)
    result["settings"] = {
        **{k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(settings).items()},
        "default_preset": DEFAULT_PRESET,
        "presets": {name: engine.to_dict() for name, engine in preset_settings().items()},
        "test_playlists": len(ids), "test_playlists_in_card": len(test_ids),
        "test_playlists_missing": len(missing), "test_songs": int(sum(len(p) for p in playlists)),
        "negative_pool": int(len(pool)), "catalog": getattr(catalog, "sha256", None),
        "definitions": DEFINITIONS,
    }
    ms_per_build = result["builds"].pop("ms_per_build", None) if result.get("builds") else None
    result[RUNTIME] = {"total_s": round(time.perf_counter() - started, 3), "sections_s": timing,
                       **({"ms_per_build": ms_per_build} if ms_per_build else {})}
    return result


def without_runtime(result: Mapping) -> dict:
    """``result`` less its :data:`RUNTIME` part: what the same inputs and seed reproduce exactly."""
    return {k: v for k, v in result.items() if k != RUNTIME}
