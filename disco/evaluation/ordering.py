"""Ordering: each test playlist's own songs re-ordered by each method from the human first song, and the flow
of the result (Camelot and tempo compatible move rates, feature step, energy change, loss).

Every order's loss is computed under BOTH fixed losses, whatever the method optimised: ``total_loss`` = the
reference preset's (the spec's), ``total_loss_dj`` = the DJ preset's. Songs handed to order-based methods are
shuffled first (seeded), so ties broken "by position" never leak the human order.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from disco.engine.pairwise import dj_sort
from disco.engine.reorder import reorder_songs
from disco.engine.score import order_totals
from disco.engine.search import build_playlist
from disco.engine.settings import EngineSettings
from disco.evaluation import baselines, metrics
from disco.evaluation.progress import progress
from disco.evaluation.settings import (
    DISCO_METHODS,
    ORDERING_METHODS,
    REORDER_METHODS,
    EvalSettings,
    method_info,
    method_settings,
    preset_settings,
)
from disco.model.arrays import Predictor, SongArrays


def method_orders(p: np.ndarray, arrays: SongArrays, predictor: Predictor, settings: EvalSettings,
                  rng: np.random.Generator, methods: Sequence[str],
                  engine_settings: Mapping[str, EngineSettings] | None = None,
                  ) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """Each method's order of playlist ``p``'s songs (global indices), all starting from ``p[0]``, and each
    DISCO method's number of moves that relaxed a hard rule. DISCO methods run with :func:`method_settings`
    (beam ``settings.beam_width``) unless ``engine_settings`` gives theirs (built with that search)."""
    # shuffled copy with the first song kept: ties "to the lowest position" carry no human order
    local = np.concatenate([[0], 1 + rng.permutation(len(p) - 1)])
    q = p[local]
    engine_settings = engine_settings or {}
    orders, relaxed = {}, {}
    for m in methods:
        if m == "human":
            orders[m] = p
        elif m == "random":
            orders[m] = q[baselines.random_order(len(q), rng, start=0)]
        elif m == "nearest_neighbour":
            orders[m] = q[baselines.nearest_neighbour_order(arrays.z[q], start=0)]
        elif m == "camelot_bpm":
            orders[m] = q[dj_sort(arrays.key[q], arrays.mode[q], arrays.tempo[q], start=0)]
        elif m in DISCO_METHODS or m in engine_settings:
            engine = engine_settings.get(m) or method_settings(m, settings.beam_width)
            if m in REORDER_METHODS:
                pl = reorder_songs(q, engine, arrays=arrays, predictor=predictor, keep_first=True, improve=True)
            else:
                pl = build_playlist([int(q[0])], q[1:], len(q), engine, arrays=arrays, predictor=predictor)
            orders[m] = np.asarray(pl.indices, dtype=np.int64)
            relaxed[m] = pl.relaxed_moves
        else:
            raise ValueError(f"unknown ordering method {m!r} (one of {', '.join(ORDERING_METHODS)})")
    return orders, relaxed


class PooledMoves:
    """Accumulates per-move sums over playlists, then reports pooled means (every move weighs the same)."""

    def __init__(self):
        self.sums = {"moves": 0, "camelot": 0.0, "tempo": 0.0, "feature_step": 0.0, "energy_change": 0.0}
        self.losses: list[float] = []
        self.losses_dj: list[float] = []
        self.relaxed: int | None = None  # only for methods with hard rules

    def add(self, counts: dict, loss: float, loss_dj: float, relaxed: int | None = None) -> None:
        for k in self.sums:
            self.sums[k] += counts[k]
        self.losses.append(loss)
        self.losses_dj.append(loss_dj)
        if relaxed is not None:
            self.relaxed = (self.relaxed or 0) + int(relaxed)

    def result(self) -> dict:
        n = max(self.sums["moves"], 1)
        mean = lambda v: float(np.mean(v)) if v else float("nan")  # noqa: E731
        return {"camelot_rate": self.sums["camelot"] / n, "tempo_rate": self.sums["tempo"] / n,
                "feature_step": self.sums["feature_step"] / n, "energy_change": self.sums["energy_change"] / n,
                "total_loss": mean(self.losses), "loss_per_transition": float(np.sum(self.losses)) / n,
                "total_loss_dj": mean(self.losses_dj), "loss_per_transition_dj": float(np.sum(self.losses_dj)) / n,
                "relaxed_rate": float("nan") if self.relaxed is None else self.relaxed / n}


def order_stats(orders: Mapping[str, np.ndarray], arrays: SongArrays, energy: np.ndarray, predictor: Predictor,
                settings: EvalSettings) -> dict[str, tuple[dict, float, float]]:
    """Per method: (move counts, loss under the reference preset, loss under the DJ preset). Both losses are
    fixed (they do not depend on how the order was made), so every method is comparable on them; hard rules
    (the DJ preset's artist gap) are no part of a loss."""
    names = list(orders)
    # all orders of one playlist have the same length: score them in one batched run per loss
    stacked = np.stack([orders[m] for m in names])
    loss = {name: order_totals(stacked, engine.without_rules(), arrays=arrays, predictor=predictor, n_fixed=1)
            for name, engine in preset_settings().items()}
    out = {}
    for i, m in enumerate(names):
        o = orders[m]
        counts = metrics.transition_counts(arrays.key[o], arrays.mode[o], arrays.tempo[o], arrays.z[o],
                                           energy[o], settings.tempo_tolerance_pct)
        out[m] = (counts, float(loss["reference"][i]), float(loss["dj"][i]))
    return out


def ordering_section(playlists: list[np.ndarray], arrays: SongArrays, predictor: Predictor, energy: np.ndarray,
                     settings: EvalSettings, show_progress: bool = False) -> dict:
    """Flow of each method's order of every test playlist (>= 3 songs), pooled over all moves.
    ``total_loss`` is the reference preset's loss and ``total_loss_dj`` the DJ preset's, each summed per
    playlist and averaged over playlists; ``relaxed_rate`` (rules only) = moves that broke a hard rule
    because the playlist's remaining songs could not meet it / all moves."""
    rng = np.random.default_rng([settings.seed, 3])
    usable = [p for p in playlists if len(p) >= 3]
    acc = {m: PooledMoves() for m in ORDERING_METHODS}
    for p in progress(usable, "ordering", show_progress):
        orders, relaxed = method_orders(p, arrays, predictor, settings, rng, ORDERING_METHODS)
        for m, (counts, loss, loss_dj) in order_stats(orders, arrays, energy, predictor, settings).items():
            with_rules = m in DISCO_METHODS and DISCO_METHODS[m][2]
            acc[m].add(counts, loss, loss_dj, relaxed.get(m) if with_rules else None)
    return {"methods": {m: acc[m].result() for m in ORDERING_METHODS},
            "info": {"playlists": len(usable), "skipped_short": len(playlists) - len(usable),
                     "moves": acc["human"].sums["moves"], "beam_width": settings.beam_width,
                     "loss": "The reference loss is the loss of the spec's algorithm (the reference preset), "
                             "the DJ-preset loss that of DISCO's default; each column scores every method with "
                             "the same loss, whatever the method optimised.",
                     "methods": {m: method_info(m) for m in ORDERING_METHODS}}}
