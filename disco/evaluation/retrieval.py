"""Next-song retrieval: can a method find a test playlist's true next song among random others?

Every test transition hides the true next song among ``n_negatives`` songs drawn at random from other
playlists; each method ranks the candidates given the playlist so far (hit@k, MRR). Then R-precision
(RecSys Challenge 2018): given a playlist's first songs, rank its last ``rprec_holdout`` (``G``) among ``G`` +
``rprec_negatives`` random songs; score ``|G in the top |G|| / |G|``. DISCO ranks by the engine's loss.
"""

from __future__ import annotations

import numpy as np

from disco.engine.loss import Loss
from disco.engine.settings import EngineSettings
from disco.evaluation import baselines, metrics
from disco.evaluation.progress import progress
from disco.evaluation.settings import RETRIEVAL_METHODS, EvalSettings, distance_settings, preset_settings
from disco.model.arrays import Predictor, SongArrays, predictions


def draw_negatives(rng: np.random.Generator, pool: np.ndarray, exclude: np.ndarray, n_rows: int,
                   n: int) -> np.ndarray:
    """(n_rows, n) song indices drawn from ``pool`` minus ``exclude``: distinct within a row, never in
    ``exclude`` (the playlist's own songs)."""
    allowed = np.setdiff1d(np.asarray(pool), np.asarray(exclude))
    if len(allowed) < n:
        raise ValueError(f"only {len(allowed)} songs outside the playlist to draw {n} negatives from")
    out = np.empty((n_rows, n), dtype=np.int64)
    for r in range(n_rows):
        out[r] = rng.choice(allowed, size=n, replace=False)
    return out


def prefix_predictions(predictor: Predictor, arrays: SongArrays, playlists: list[np.ndarray],
                       steps: int) -> np.ndarray:
    """(P, steps, 8) predictions after each of the first ``steps`` songs of every playlist, batched over
    playlists; rows past a playlist's end are NaN."""
    lengths = np.array([len(p) for p in playlists])
    padded = np.zeros((len(playlists), steps), dtype=np.int64)  # song 0 past the end: those rows are dropped
    for b, p in enumerate(playlists):
        padded[b, : min(len(p), steps)] = p[:steps]
    out = predictions(predictor, arrays, padded)
    out[lengths[:, None] <= np.arange(steps)[None, :]] = np.nan
    return out


def move_losses(settings: EngineSettings, arrays: SongArrays, y: np.ndarray, last: np.ndarray,
                candidates: np.ndarray) -> np.ndarray:
    """The engine's loss (:meth:`disco.engine.loss.Loss.moves`, float64) of moving from songs ``last`` (m,)
    with predictions ``y`` (m, 8) to each row's own candidates (m, c) song indices -> (m, c)."""
    candidates = np.asarray(candidates, dtype=np.int64)
    songs = np.unique(candidates)
    loss = Loss(settings, arrays, songs, dtype=np.float64)
    return loss.moves(y, np.asarray(last), cols=np.searchsorted(songs, candidates))


def candidate_scores(method: str, y: np.ndarray, last: np.ndarray, candidates: np.ndarray, arrays: SongArrays,
                     popularity: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(m, c) scores of each row's candidates by a retrieval ``method`` (:data:`RETRIEVAL_METHODS`); lower =
    better. ``disco``: the DJ preset's loss; ``disco_reference``: the spec's; ``disco_distance``: the
    distance to the prediction alone."""
    if method in ("disco", "disco_reference"):
        settings = preset_settings()["dj" if method == "disco" else "reference"]
        return move_losses(settings, arrays, y, last, candidates)
    if method == "disco_distance":
        return move_losses(distance_settings(), arrays, y, last, candidates)
    if method == "nearest_neighbour":
        z = np.asarray(arrays.z, dtype=np.float64)
        return baselines.nearest_neighbour_scores(z[last], z[candidates])
    if method == "popularity":
        return baselines.popularity_scores(popularity[candidates])
    if method == "random":
        return baselines.random_scores(candidates.shape, rng)
    raise ValueError(f"unknown retrieval method {method!r} (one of {', '.join(RETRIEVAL_METHODS)})")


def retrieval_section(playlists: list[np.ndarray], arrays: SongArrays, predictor: Predictor,
                      popularity: np.ndarray, pool: np.ndarray, settings: EvalSettings,
                      show_progress: bool = False) -> dict:
    """hit@k and MRR over every test transition (true next song among ``n_negatives`` random others), and
    R-precision of continuing each playlist's last ``rprec_holdout`` songs from its first ``rprec_first``.
    Returns ``{"methods": {method: row}, "info": {...}}``."""
    rng = np.random.default_rng([settings.seed, 1])
    s = settings
    # a small catalog may not have enough outside songs: use fewer negatives (reported in ``info``)
    outside = min(len(pool) - int(np.isin(p, pool).sum()) for p in playlists)
    n_neg, n_neg_r = min(s.n_negatives, outside), min(s.rprec_negatives, outside)
    if n_neg < 1:
        raise ValueError("retrieval needs songs outside each test playlist to draw negatives from")
    # 1) next-song: one row per transition (song t-1 -> song t, t >= 1)
    steps = max(len(p) for p in playlists) - 1
    preds = prefix_predictions(predictor, arrays, playlists, steps)
    ys, lasts, cand_rows = [], [], []
    for b, p in enumerate(progress(playlists, "retrieval: negatives", show_progress)):
        n = len(p) - 1
        if n < 1:
            continue
        neg = draw_negatives(rng, pool, p, n, n_neg)
        cand_rows.append(np.concatenate([p[1:, None], neg], axis=1))  # column 0 = the true next song
        ys.append(preds[b, :n])
        lasts.append(p[:-1])
    y, last, cands = np.concatenate(ys), np.concatenate(lasts), np.concatenate(cand_rows)
    # 2) R-precision: playlists long enough for first + holdout songs
    long = [p for p in playlists if len(p) >= s.rprec_first + s.rprec_holdout]
    if long:
        y_r = prefix_predictions(predictor, arrays, long, s.rprec_first)[:, -1]
        last_r = np.array([p[s.rprec_first - 1] for p in long])
        cands_r = np.stack([
            np.concatenate([p[-s.rprec_holdout:], draw_negatives(rng, pool, p, 1, n_neg_r)[0]])
            for p in long])
        relevant = np.zeros(cands_r.shape, dtype=bool)
        relevant[:, : s.rprec_holdout] = True
    out = {}
    for method in RETRIEVAL_METHODS:
        m_rng = np.random.default_rng([settings.seed, 2, RETRIEVAL_METHODS.index(method)])
        scores = candidate_scores(method, y, last, cands, arrays, popularity, m_rng)
        ranks = metrics.target_ranks(scores, 0, rng=m_rng)
        row = {f"hit_at_{s.k}": metrics.hit_at_k(ranks, s.k), "mrr": metrics.mean_reciprocal_rank(ranks),
               "r_precision": float("nan")}
        if long:
            scores_r = candidate_scores(method, y_r, last_r, cands_r, arrays, popularity, m_rng)
            row["r_precision"] = float(np.nanmean(metrics.r_precision(scores_r, relevant, rng=m_rng)))
        out[method] = row
    info = {"transitions": int(len(y)), "candidates": n_neg + 1,
            "rprec_playlists": len(long), "rprec_candidates": s.rprec_holdout + n_neg_r,
            "rprec_skipped_short": len(playlists) - len(long)}
    return {"methods": out, "info": info}
