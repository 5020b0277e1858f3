"""How good are DISCO's playlists: next-song prediction, retrieval, ordering and slider sensitivity.

Everything runs on the model card's TEST playlists (never seen in training). Four sections:

1. ``prediction``: the network's test MAE against its baselines, copied from the model card.
2. ``retrieval``: every test transition hides the true next song among ``n_negatives`` songs drawn at random
   from other playlists; each method ranks the candidates given the playlist so far (hit@10, MRR). Then
   R-precision (RecSys Challenge 2018): given a playlist's first 5 songs, rank its last 10 (``G``) among
   ``G`` + 990 random songs from other playlists; score ``|G in the top |G|| / |G|``.
3. ``ordering``: each test playlist's own songs re-ordered by each method from the human first song, and
   the flow of the result (Camelot and tempo compatible move rates, feature step, energy change, loss).
4. ``sensitivity``: the ordering numbers of ``disco_greedy`` as one slider moves at a time.

Determinism: one ``seed`` drives every random draw. Songs handed to order-based methods are shuffled
first (seeded), so ties broken "by position" never leak the human order.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np

from disco import baselines, metrics, theory
from disco.engine import Weights, build_playlist, sequence_losses
from disco.interfaces import Predictor, SongArrays

RETRIEVAL_METHODS = ("disco", "disco_distance", "nearest_neighbour", "popularity", "random")
ORDERING_METHODS = ("disco_greedy", "disco_beam", "nearest_neighbour", "camelot_bpm", "random", "human")
ORDERING_METRICS = ("camelot_rate", "tempo_rate", "feature_step", "energy_change", "total_loss",
                    "loss_per_transition")
SLIDERS = ("flow", "sweetness", "smoothness", "spicy")
SLIDER_HELP = {
    "flow": "weight of the distance to the network's predicted next song: higher = follow the learned flow",
    "sweetness": "weight of key consonance (circle of fifths): higher = more harmonic moves",
    "smoothness": "weight of tempo similarity (double/half time count as equal): higher = steadier tempo",
    "spicy": "scales the prediction up (the network under-estimates): higher = bolder steps in feature space",
}


@dataclass(frozen=True)
class EvalSettings:
    """What the evaluation does. ``quick`` trims everything to a few seconds' worth (a smoke run)."""

    seed: int = 0
    quick: bool = False
    n_negatives: int = 99  # retrieval: negatives per transition (100 candidates)
    k: int = 10  # hit@k
    rprec_first: int = 5  # R-precision: songs given
    rprec_holdout: int = 10  # R-precision: |G|, the playlist's last songs to find
    rprec_negatives: int = 990
    beam_width: int = 8
    tempo_tolerance: float = 0.06
    grid: tuple[float, ...] = (0.0, 0.5, 1.0, 2.0, 4.0)
    max_playlists: int | None = None  # None = all test playlists

    @classmethod
    def for_run(cls, seed: int = 0, quick: bool = False) -> "EvalSettings":
        if quick:
            return cls(seed=seed, quick=True, max_playlists=12, beam_width=4, grid=(0.0, 1.0, 4.0))
        return cls(seed=seed)


# --- inputs ----------------------------------------------------------------------------------------------


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


def candidate_losses(y: np.ndarray, last: np.ndarray, candidates: np.ndarray, arrays: SongArrays,
                     weights: Weights) -> np.ndarray:
    """The spec's loss of each candidate: ``y`` (m, 8) predictions after songs ``last`` (m,), candidates
    (m, c) song indices -> (m, c) ``flow*||spicy*y - z_c|| - sweetness*keysim - smoothness*temposim``."""
    z = np.asarray(arrays.z, dtype=np.float64)
    a = weights.spicy * np.asarray(y, dtype=np.float64)
    loss = weights.flow * np.linalg.norm(z[candidates] - a[:, None, :], axis=-1)
    if weights.sweetness:
        ks = theory.key_similarity(arrays.key[last][:, None], arrays.mode[last][:, None],
                                   arrays.key[candidates], arrays.mode[candidates])
        loss -= weights.sweetness * ks
    if weights.smoothness:
        loss -= weights.smoothness * theory.tempo_similarity(arrays.tempo[last][:, None], arrays.tempo[candidates])
    return loss


def _progress(iterable, desc: str, enabled: bool, total: int | None = None):
    if not enabled:
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, desc=desc, total=total, leave=False, dynamic_ncols=True)


def _run_prefixes(predictor: Predictor, arrays: SongArrays, playlists: list[np.ndarray], steps: int,
                  progress: bool = False, desc: str = "") -> np.ndarray:
    """Predictions after each of the first ``steps`` songs of every playlist, batched over playlists:
    (P, steps, 8); rows past a playlist's end are NaN."""
    P = len(playlists)
    lengths = np.array([len(p) for p in playlists])
    padded = np.zeros((P, steps), dtype=np.int64)
    for b, p in enumerate(playlists):
        padded[b, : min(len(p), steps)] = p[:steps]
    x = arrays.x
    out = np.full((P, steps, 8), np.nan)
    state = predictor.initial_state(P)
    for t in _progress(range(steps), desc, progress):
        state, y = predictor.step(state, x[padded[:, t]].astype(np.float32))
        state = tuple(state)
        alive = lengths > t
        out[alive, t] = np.asarray(y, dtype=np.float64)[alive]
    return out


# --- sections --------------------------------------------------------------------------------------------


def prediction_section(card: Mapping | None) -> dict:
    """Test MAE of the network and baselines from the model card, with their ratio to the test MAD."""
    if not card or "test" not in card:
        return {"note": "no model card with test results"}
    test = card["test"]
    mae = {k: float(v) for k, v in dict(test.get("mae", {})).items()}
    out = {"mae": mae}
    if "mad" in test:
        out["mad"] = float(test["mad"])
        out["mae_over_mad"] = {k: v / out["mad"] for k, v in mae.items()}
    for key in ("chosen", "name"):
        if key in card:
            out["model"] = card[key] if isinstance(card[key], str) else json.dumps(card[key])
            break
    return out


def _method_scores(method: str, y, last, cands, arrays: SongArrays, popularity: np.ndarray,
                   weights: Weights, rng: np.random.Generator) -> np.ndarray:
    if method == "disco":
        return candidate_losses(y, last, cands, arrays, weights)
    if method == "disco_distance":
        return candidate_losses(y, last, cands, arrays, Weights(1.0, 0.0, 0.0, weights.spicy))
    if method == "nearest_neighbour":
        z = np.asarray(arrays.z, dtype=np.float64)
        return baselines.nearest_neighbour_scores(z[last], z[cands])
    if method == "popularity":
        return baselines.popularity_scores(popularity[cands])
    if method == "random":
        return baselines.random_scores(cands.shape, rng)
    raise ValueError(f"unknown retrieval method {method!r}")


def retrieval_section(playlists: list[np.ndarray], arrays: SongArrays, predictor: Predictor,
                      popularity: np.ndarray, pool: np.ndarray, settings: EvalSettings,
                      weights: Weights = Weights(), progress: bool = False) -> dict:
    """hit@k and MRR over every test transition (true next song among ``n_negatives`` random others), and
    R-precision of continuing each playlist's last ``rprec_holdout`` songs from its first ``rprec_first``."""
    rng = np.random.default_rng([settings.seed, 1])
    s = settings
    # a small catalog may not have enough outside songs: use fewer negatives (reported in ``info``)
    outside = min(len(pool) - int(np.isin(p, pool).sum()) for p in playlists)
    n_neg, n_neg_r = min(s.n_negatives, outside), min(s.rprec_negatives, outside)
    if n_neg < 1:
        raise ValueError("retrieval needs songs outside each test playlist to draw negatives from")
    # 1) next-song: one row per transition (song t-1 -> song t, t >= 1)
    steps = max(len(p) for p in playlists) - 1
    preds = _run_prefixes(predictor, arrays, playlists, steps, progress, "retrieval: network")
    ys, lasts, cand_rows = [], [], []
    for b, p in enumerate(_progress(playlists, "retrieval: negatives", progress)):
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
        y_r = _run_prefixes(predictor, arrays, long, s.rprec_first)[:, -1]
        last_r = np.array([p[s.rprec_first - 1] for p in long])
        cands_r = np.stack([
            np.concatenate([p[-s.rprec_holdout:], draw_negatives(rng, pool, p, 1, n_neg_r)[0]])
            for p in long])
        relevant = np.zeros(cands_r.shape, dtype=bool)
        relevant[:, : s.rprec_holdout] = True
    out = {}
    for method in RETRIEVAL_METHODS:
        m_rng = np.random.default_rng([settings.seed, 2, RETRIEVAL_METHODS.index(method)])
        scores = _method_scores(method, y, last, cands, arrays, popularity, weights, m_rng)
        ranks = metrics.target_ranks(scores, 0, rng=m_rng)
        row = {f"hit_at_{s.k}": metrics.hit_at_k(ranks, s.k), "mrr": metrics.mean_reciprocal_rank(ranks),
               "r_precision": float("nan")}
        if long:
            scores_r = _method_scores(method, y_r, last_r, cands_r, arrays, popularity, weights, m_rng)
            row["r_precision"] = float(np.nanmean(metrics.r_precision(scores_r, relevant, rng=m_rng)))
        out[method] = row
    info = {"transitions": int(len(y)), "candidates": n_neg + 1,
            "rprec_playlists": len(long), "rprec_candidates": s.rprec_holdout + n_neg_r,
            "rprec_skipped_short": len(playlists) - len(long)}
    return {"methods": out, "info": info}


def _orders_for(p: np.ndarray, arrays: SongArrays, predictor: Predictor, settings: EvalSettings,
                rng: np.random.Generator, weights: Weights, methods: Sequence[str]) -> dict[str, np.ndarray]:
    """Each method's order of playlist ``p``'s songs (global indices), all starting from ``p[0]``."""
    # shuffled copy with the first song kept: ties "to the lowest position" carry no human order
    local = np.concatenate([[0], 1 + rng.permutation(len(p) - 1)])
    q = p[local]
    out = {}
    for m in methods:
        if m == "human":
            out[m] = p
        elif m == "random":
            out[m] = q[baselines.random_order(len(q), rng, start=0)]
        elif m == "nearest_neighbour":
            out[m] = q[baselines.nearest_neighbour_order(arrays.z[q], start=0)]
        elif m == "camelot_bpm":
            out[m] = q[baselines.camelot_bpm_order(arrays.key[q], arrays.mode[q], arrays.tempo[q], start=0)]
        elif m in ("disco_greedy", "disco_beam"):
            search = "greedy" if m == "disco_greedy" else "beam"
            pl = build_playlist([int(q[0])], q[1:], len(q), weights, search=search,
                                beam_width=settings.beam_width, arrays=arrays, predictor=predictor)
            out[m] = np.asarray(pl.indices, dtype=np.int64)
        else:
            raise ValueError(f"unknown ordering method {m!r}")
    return out


class _Pooled:
    """Accumulates per-move sums over playlists, then reports pooled means (every move weighs the same)."""

    def __init__(self):
        self.sums = {"moves": 0, "camelot": 0.0, "tempo": 0.0, "feature_step": 0.0, "energy_change": 0.0}
        self.losses: list[float] = []

    def add(self, counts: dict, loss: float) -> None:
        for k in self.sums:
            self.sums[k] += counts[k]
        self.losses.append(loss)

    def result(self) -> dict:
        n = max(self.sums["moves"], 1)
        return {"camelot_rate": self.sums["camelot"] / n, "tempo_rate": self.sums["tempo"] / n,
                "feature_step": self.sums["feature_step"] / n, "energy_change": self.sums["energy_change"] / n,
                "total_loss": float(np.mean(self.losses)) if self.losses else float("nan"),
                "loss_per_transition": float(np.sum(self.losses)) / n}


def _order_stats(orders: dict[str, np.ndarray], arrays: SongArrays, energy: np.ndarray, predictor: Predictor,
                 settings: EvalSettings) -> dict[str, tuple[dict, float]]:
    names = list(orders)
    # all orders of one playlist have the same length: score them in one batched run at default weights
    losses = sequence_losses(np.stack([orders[m] for m in names]), arrays=arrays, predictor=predictor,
                             weights=Weights(), n_fixed=1)
    out = {}
    for m, loss in zip(names, losses):
        o = orders[m]
        counts = metrics.transition_counts(arrays.key[o], arrays.mode[o], arrays.tempo[o], arrays.z[o],
                                           energy[o], settings.tempo_tolerance)
        out[m] = (counts, float(loss))
    return out


def ordering_section(playlists: list[np.ndarray], arrays: SongArrays, predictor: Predictor, energy: np.ndarray,
                     settings: EvalSettings, weights: Weights = Weights(), progress: bool = False) -> dict:
    """Flow of each method's order of every test playlist (>= 3 songs), pooled over all moves.
    ``total_loss`` is the DISCO loss at DEFAULT weights, summed per playlist, averaged over playlists."""
    rng = np.random.default_rng([settings.seed, 3])
    usable = [p for p in playlists if len(p) >= 3]
    acc = {m: _Pooled() for m in ORDERING_METHODS}
    for p in _progress(usable, "ordering", progress):
        orders = _orders_for(p, arrays, predictor, settings, rng, weights, ORDERING_METHODS)
        for m, (counts, loss) in _order_stats(orders, arrays, energy, predictor, settings).items():
            acc[m].add(counts, loss)
    return {"methods": {m: acc[m].result() for m in ORDERING_METHODS},
            "info": {"playlists": len(usable), "skipped_short": len(playlists) - len(usable),
                     "moves": acc["human"].sums["moves"], "beam_width": settings.beam_width}}


def sensitivity_section(playlists: list[np.ndarray], arrays: SongArrays, predictor: Predictor,
                        energy: np.ndarray, settings: EvalSettings, progress: bool = False) -> list[dict]:
    """``disco_greedy`` ordering numbers with one slider at a time set to each grid value (others default)."""
    usable = [p for p in playlists if len(p) >= 3]
    default = Weights()
    grid = []
    for slider in SLIDERS:
        values = sorted(set(settings.grid) | {getattr(default, slider)})
        grid += [(slider, v) for v in values]
    rows, done = [], {}
    for slider, value in _progress(grid, "sensitivity", progress):
        w = replace(default, **{slider: float(value)})
        if w not in done:  # the default weights appear once per slider: run them once
            rng = np.random.default_rng([settings.seed, 4])  # same shuffles for every setting
            acc = _Pooled()
            for p in usable:
                orders = _orders_for(p, arrays, predictor, settings, rng, w, ("disco_greedy",))
                counts, loss = _order_stats(orders, arrays, energy, predictor, settings)["disco_greedy"]
                acc.add(counts, loss)
            done[w] = acc.result()
        rows.append({"slider": slider, "value": float(value), "is_default": value == getattr(default, slider),
                     **done[w]})
    return rows


# --- the whole evaluation --------------------------------------------------------------------------------


def evaluate(catalog, arrays: SongArrays, predictor: Predictor, test_ids: Sequence[str], *,
             card: Mapping | None = None, settings: EvalSettings = EvalSettings(), progress: bool = False,
             sections: Sequence[str] = ("prediction", "retrieval", "ordering", "sensitivity")) -> dict:
    """Run the evaluation on ``catalog``'s playlists ``test_ids``. Returns the JSON-ready result with
    ``prediction``, ``retrieval``, ``ordering``, ``sensitivity``, ``settings``, ``runtime_s`` and
    ``section_runtime_s`` (seconds per section)."""
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
                                                         settings, progress=progress))
        result["retrieval"], result["retrieval_info"] = r["methods"], r["info"]
    if "ordering" in sections:
        o = timed("ordering", lambda: ordering_section(playlists, arrays, predictor, energy, settings,
                                                       progress=progress))
        result["ordering"], result["ordering_info"] = o["methods"], o["info"]
    if "sensitivity" in sections:
        result["sensitivity"] = timed("sensitivity", lambda: sensitivity_section(
            playlists, arrays, predictor, energy, settings, progress=progress))
        result["slider_help"] = dict(SLIDER_HELP)
    result["settings"] = {
        **{k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(settings).items()},
        "default_weights": asdict(Weights()),
        "test_playlists": len(ids), "test_playlists_in_card": len(test_ids),
        "test_playlists_missing": len(missing), "test_songs": int(sum(len(p) for p in playlists)),
        "negative_pool": int(len(pool)), "catalog": getattr(catalog, "sha256", None),
        "definitions": DEFINITIONS,
    }
    result["section_runtime_s"] = timing
    result["runtime_s"] = round(time.perf_counter() - started, 3)
    return result


DEFINITIONS = {
    "hit_at_10": "share of test transitions whose true next song ranks in the top 10 of 100 candidates "
                 "(the true song + 99 random songs from other playlists)",
    "mrr": "mean of 1/rank of the true next song among those 100 candidates",
    "r_precision": "given a playlist's first 5 songs, rank its last 10 (G) among G + 990 random songs from "
                   "other playlists; |G in the top 10| / 10 (RecSys Challenge 2018); playlists < 15 songs "
                   "are skipped, its middle songs are not candidates",
    "camelot_rate": "share of consecutive moves that are Camelot-compatible (same code, +/-1, or A<->B)",
    "tempo_rate": "share of moves within 6% tempo after folding double/half time",
    "feature_step": "mean ||z_next - z|| over moves (8 transformed features)",
    "energy_change": "mean |energy_next - energy| over moves (raw energy, 0..1)",
    "total_loss": "DISCO loss at default weights summed over a playlist's moves, mean over playlists",
    "loss_per_transition": "DISCO loss at default weights per move (all moves pooled)",
    "ties": "ties in a ranking are broken at random (seeded)",
}


# --- output ----------------------------------------------------------------------------------------------


def _table(title: str, rows: list[list], header: list[str]) -> str:
    cells = [header] + [[c if isinstance(c, str) else f"{c:.3f}" for c in r] for r in rows]
    widths = [max(len(str(r[i])) for r in cells) for i in range(len(header))]
    lines = [title]
    for j, r in enumerate(cells):
        lines.append("  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def format_report(result: Mapping) -> str:
    """The result as plain-text tables (what ``python -m disco evaluate`` prints)."""
    parts = []
    pred = result.get("prediction") or {}
    if "mae" in pred:
        rows = [[k, v, pred.get("mae_over_mad", {}).get(k, float("nan"))] for k, v in pred["mae"].items()]
        title = "1. Next-song prediction (test MAE on transformed features; from the model card"
        title += f", test MAD {pred['mad']:.3f})" if "mad" in pred else ")"
        parts.append(_table(title, rows, ["predictor", "MAE", "MAE/MAD"]))
    elif pred:
        parts.append(f"1. Next-song prediction: {pred.get('note', 'n/a')}")
    if "retrieval" in result:
        info = result.get("retrieval_info", {})
        title = (f"2. Next-song retrieval ({info.get('transitions', '?')} test transitions, "
                 f"{info.get('candidates', '?')} candidates each; R-precision on "
                 f"{info.get('rprec_playlists', '?')} playlists, {info.get('rprec_candidates', '?')} candidates)")
        rows = [[m, v["hit_at_10"], v["mrr"], v["r_precision"]] for m, v in result["retrieval"].items()]
        parts.append(_table(title, rows, ["method", "hit@10", "MRR", "R-prec"]))
    if "ordering" in result:
        info = result.get("ordering_info", {})
        title = (f"3. Ordering each test playlist's own songs ({info.get('playlists', '?')} playlists, "
                 f"{info.get('moves', '?')} moves; loss at default weights)")
        rows = [[m] + [v[k] for k in ORDERING_METRICS] for m, v in result["ordering"].items()]
        parts.append(_table(title, rows, ["method", "camelot", "tempo", "step", "energy", "loss/playlist",
                                          "loss/move"]))
    if result.get("sensitivity"):
        rows = [[r["slider"], f"{r['value']:g}" + (" *" if r.get("is_default") else "")]
                + [r[k] for k in ORDERING_METRICS] for r in result["sensitivity"]]
        parts.append(_table("4. Slider sensitivity (disco_greedy; one slider moved, others default; * = default)",
                            rows, ["slider", "value", "camelot", "tempo", "step", "energy", "loss/playlist",
                                   "loss/move"]))
    if "runtime_s" in result:
        secs = ", ".join(f"{k} {v:.1f}s" for k, v in result.get("section_runtime_s", {}).items())
        parts.append(f"runtime {result['runtime_s']:.1f}s ({secs})")
    return "\n\n".join(parts)


def _clean(value):
    # JSON has no NaN: write null
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        return _clean(value.item())
    return value


def save_result(result: Mapping, path: str | Path) -> Path:
    """Write ``result`` as JSON (NaN -> null), creating the folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_clean(dict(result)), indent=2) + "\n")
    return path


def load_result(path: str | Path) -> dict:
    """Read a saved evaluation JSON."""
    return json.loads(Path(path).read_text())
