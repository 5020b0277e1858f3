"""Slider sensitivity: the ordering numbers of ``disco_greedy`` (DJ preset) as one slider moves at a time."""

from __future__ import annotations

from typing import Mapping

import numpy as np

from disco.evaluation.ordering import PooledMoves, method_orders, order_stats
from disco.evaluation.progress import progress
from disco.evaluation.settings import SLIDERS, TARGETS, EvalSettings, preset_settings
from disco.model.arrays import Predictor, SongArrays

METHOD = "disco_greedy"


def slider_values(slider: str, grid, default: float) -> list[float]:
    """The values ``slider`` takes: the ``grid`` and its default, sorted. ``spicy`` scales the network's
    prediction and must stay above 0 (at 0 the prediction is ignored), so the grid's 0 is left out for it."""
    values = {float(v) for v in grid} | {float(default)}
    if slider == "spicy":
        values = {v for v in values if v > 0}
    return sorted(values)


def sensitivity_section(playlists: list[np.ndarray], arrays: SongArrays, predictor: Predictor,
                        energy: np.ndarray, settings: EvalSettings, show_progress: bool = False) -> list[dict]:
    """``disco_greedy`` ordering numbers under the DJ preset with one slider at a time set to each grid value
    (the others at the DJ preset's values). One row per (slider, value)."""
    usable = [p for p in playlists if len(p) >= 3]
    default = preset_settings()["dj"].replace(search="greedy")
    grid = [(slider, v) for slider in SLIDERS for v in slider_values(slider, settings.grid, getattr(default, slider))]
    rows, done = [], {}
    for slider, value in progress(grid, "sensitivity", show_progress):
        engine = default.replace(**{slider: value})
        if engine not in done:  # the default settings appear once per slider: run them once
            rng = np.random.default_rng([settings.seed, 4])  # same shuffles for every setting
            acc = PooledMoves()
            for p in usable:
                orders, _ = method_orders(p, arrays, predictor, settings, rng, (METHOD,),
                                          engine_settings={METHOD: engine})
                counts, loss, loss_dj = order_stats(orders, arrays, energy, predictor, settings)[METHOD]
                acc.add(counts, loss, loss_dj)
            done[engine] = acc.result()
        rows.append({"slider": slider, "value": float(value), "is_default": value == getattr(default, slider),
                     **done[engine]})
    return rows


def sensitivity_info(builds: Mapping | None, tolerance_pct: float) -> dict:
    """How the sliders were read and why the DJ preset has its sweetness / smoothness (from the builds)."""
    dj = preset_settings()["dj"]
    out = {"scoring": f"greedy ordering of the test playlists under the DJ preset's scoring (key {dj.key_score}, "
                      f"tempo {dj.tempo_score}); one slider moved, the others at the preset's values",
           "choose_defaults": (f"DJ preset sweetness {dj.sweetness:g} / smoothness {dj.smoothness:g}: chosen on "
                               "builds seeded from training playlists' songs (beam search, 3 x 20 seeds) as the "
                               f"highest Camelot rate with >= {TARGETS['tempo_rate']:.0%} of moves within "
                               f"{tolerance_pct:g}% tempo and a feature step <= {TARGETS['step_ratio']:.2f} x the "
                               "reference algorithm's (the DJ targets); larger weights "
                               "buy more key/tempo matches with bigger feature steps, so the step budget is what "
                               "binds")}
    if builds and builds.get("chosen"):
        c, row = builds["chosen"], builds["rows"]["dj"]
        what = ("the best point meeting all three targets" if c["meets_targets"]
                else "no point meets all three targets; the closest (smallest summed relative shortfall)")
        out["choose_defaults"] += (f". On this run's builds grid {what} is sweetness {c['sweetness']:g} / "
                                   f"smoothness {c['smoothness']:g} (Camelot {c['camelot_rate']:.1%}, tempo "
                                   f"{c['tempo_rate']:.1%}, step x{c['step_ratio']:.3f}); the preset gives Camelot "
                                   f"{row['camelot_rate']:.1%}, tempo {row['tempo_rate']:.1%}, step "
                                   f"x{row['step_ratio']:.3f}")
    return out
