"""Scoring given orders with the loss, exactly (float64): one order move by move, or many orders' totals."""

from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np

from disco.engine.loss import RULE_PENALTY, Loss, recent_songs
from disco.engine.playlist import Playlist
from disco.engine.settings import EngineSettings
from disco.model.arrays import Predictor, SongArrays, predictions
from disco.theory import arcs


def fit_arc(settings: EngineSettings, arrays: SongArrays, songs) -> EngineSettings:
    """``settings`` with a named arc shape (peak/build/waves) stretched between the quantiles
    :data:`~disco.theory.arcs.FIT_QUANTILES` of the raw energy of ``songs`` (what they can reach) when
    ``settings.fit_arc``; custom arcs as given.
    The result has ``fit_arc=False``: scoring with it again gives the same targets."""
    arc = settings.arc
    if arc is None or not settings.fit_arc:
        return settings
    if arc.name in arcs.ARC_SHAPES:
        if arrays.energy is None:
            raise ValueError("the energy arc needs raw energy per song (SongArrays.energy)")
        low, high = arcs.energy_range(np.asarray(arrays.energy)[np.asarray(songs, dtype=np.int64)],
                                      arcs.FIT_QUANTILES)
        arc = arcs.Arc.named(arc.name, low, high)
    return dataclasses.replace(settings, arc=arc, fit_arc=False)


def score_order(indices: Sequence[int], settings: EngineSettings, *, arrays: SongArrays, predictor: Predictor,
                n_seeds: int = 1) -> Playlist:
    """The loss of a given order move by move (float64): songs after the first ``n_seeds`` (>= 1) are
    scored, with the arc's targets and the hard rules each move breaks. The arc is used as given in
    ``settings`` (fit it first with :func:`fit_arc` to follow the songs' energy range). ``info["objective"]``
    is the total loss plus ``RULE_PENALTY`` per broken rule (:func:`order_totals` of this order)."""
    idx = np.asarray(indices, dtype=np.int64).ravel()
    L = len(idx)
    n_seeds = max(1, min(int(n_seeds), L))
    songs, local = np.unique(idx, return_inverse=True)
    loss = Loss(settings, arrays, songs, length=L)
    nan = lambda *shape: np.full(shape, np.nan)  # noqa: E731
    predicted, dist, ks, ts, total = nan(L, np.shape(arrays.z)[1]), nan(L), nan(L), nan(L), nan(L)
    n_feat = 1 if settings.arc is None else len(settings.arc.features)
    arc_target, arc_pen = nan(L, n_feat), nan(L)
    relaxed: list[tuple[str, ...]] = [()] * L
    if L > n_seeds:
        ys = predictions(predictor, arrays, idx)[0]
        t = np.arange(n_seeds, L)  # moves into these positions
        last, cols, y = idx[t - 1], local[t][:, None], ys[t - 1]
        predicted[t] = settings.spicy * y
        dist[t] = loss.distance(y, cols)[:, 0]
        ks[t] = loss.key_term(last, cols)[:, 0]
        ts[t] = loss.tempo_term(last, cols)[:, 0]
        total[t] = loss.moves(y, last, t, cols)[:, 0]
        if settings.arc is not None:
            arc_target[t] = settings.arc.targets(L)[t]
            arc_pen[t] = loss.arc_term(t, cols)[:, 0]
        masks = loss.rule_masks(last, cols, recent_songs(idx, t, settings.artist_gap)[0])
        for k, p in enumerate(t):
            relaxed[p] = tuple(name for name, m in masks.items() if not m[k, 0])
    out = Playlist(idx, n_seeds, settings, predicted, dist, ks, ts, arc_target, arc_pen, total, relaxed,
                   float(np.nansum(total[n_seeds:])))
    # what ordering a fixed set minimises (order_totals): the loss plus a penalty per broken hard rule
    out.info = {"objective": out.total_loss + RULE_PENALTY * out.broken_rules}
    return out


def order_totals(orders, settings: EngineSettings, *, arrays: SongArrays, predictor: Predictor,
                 n_fixed: int = 1) -> np.ndarray:
    """(S,) summed loss of the moves into positions ``n_fixed..L-1`` of each order ``orders`` (S, L), plus
    ``RULE_PENALTY`` per broken hard rule (the objective of ordering a fixed set: violations first).
    The predictor runs batched over the orders; float64."""
    orders = np.atleast_2d(np.asarray(orders, dtype=np.int64))
    S, L = orders.shape
    if L < 2:
        return np.zeros(S)
    songs, local = np.unique(orders, return_inverse=True)
    local = local.reshape(S, L)
    loss = Loss(settings, arrays, songs, length=L)
    ys = predictions(predictor, arrays, orders)[:, :-1].reshape(S * (L - 1), -1)
    last = orders[:, :-1].ravel()
    cols = local[:, 1:].reshape(-1, 1)
    position = np.tile(np.arange(1, L), S)
    per_move = loss.moves(ys, last, position, cols)[:, 0]
    if settings.active_rules:
        recent = recent_songs(orders, np.arange(1, L), settings.artist_gap).reshape(S * (L - 1), -1)
        per_move = per_move + RULE_PENALTY * loss.violations(last, cols, recent)[:, 0]
    per_move = per_move.reshape(S, L - 1)
    return per_move[:, max(1, int(n_fixed)) - 1:].sum(axis=1)


def order_violations(orders, settings: EngineSettings, *, arrays: SongArrays, n_fixed: int = 1) -> np.ndarray:
    """(S,) hard-rule violations of the moves into positions ``n_fixed..L-1`` of each order ``orders`` (S, L)
    (the artist gap over its whole window): what :func:`order_totals` adds ``RULE_PENALTY`` for."""
    orders = np.atleast_2d(np.asarray(orders, dtype=np.int64))
    S, L = orders.shape
    if L < 2 or not settings.active_rules:
        return np.zeros(S, dtype=np.int64)
    songs, local = np.unique(orders, return_inverse=True)
    local = local.reshape(S, L)
    loss = Loss(settings, arrays, songs, length=L)
    recent = recent_songs(orders, np.arange(1, L), settings.artist_gap).reshape(S * (L - 1), -1)
    per_move = loss.violations(orders[:, :-1].ravel(), local[:, 1:].reshape(-1, 1), recent)[:, 0]
    return per_move.reshape(S, L - 1)[:, max(1, int(n_fixed)) - 1:].sum(axis=1)
