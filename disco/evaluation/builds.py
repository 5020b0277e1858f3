"""Builds: fresh playlists from random test songs, checked against the DJ targets.

Seed songs are drawn (seeded) from the test playlists' songs; each is extended to ``build_length`` songs from
a ``build_pool``-song pool of its subgenre, under the DJ preset (beam, DISCO's default) and the reference
(greedy, the spec's algorithm), each also with the other search, with the peak arc, and on a sweetness x
smoothness grid that shows how the DJ preset's weights were chosen.
"""

from __future__ import annotations

import time
from typing import Mapping, Sequence

import numpy as np

from disco.engine.pools import CandidatePool
from disco.engine.search import build_playlist
from disco.evaluation import metrics
from disco.evaluation.progress import progress
from disco.evaluation.settings import TARGETS, EvalSettings, preset_settings
from disco.model.arrays import Predictor, SongArrays
from disco.theory import arcs
from disco.theory.tempo import TEMPO_TOLERANCE_PCT

OTHER_SEARCH = {"greedy": "beam", "beam": "greedy"}


def build_stats(orders: Sequence[np.ndarray], arrays: SongArrays, energy: np.ndarray,
                tolerance_pct: float = TEMPO_TOLERANCE_PCT) -> dict:
    """Pooled flow of a set of builds (each an index array in playing order): ``camelot_rate`` (strict),
    ``tempo_rate`` (within ``tolerance_pct`` percent after folding), ``feature_step``, ``energy_change`` over
    all moves; ``peak_share`` = share of builds whose middle third's mean energy is above both outer thirds
    (:func:`disco.evaluation.metrics.peak_shape`); ``thirds`` = mean energy of the first / middle / last
    third, averaged over builds."""
    acc = {"moves": 0, "camelot": 0.0, "tempo": 0.0, "feature_step": 0.0, "energy_change": 0.0}
    thirds, peaks = [], []
    for o in orders:
        o = np.asarray(o, dtype=np.int64)
        c = metrics.transition_counts(arrays.key[o], arrays.mode[o], arrays.tempo[o], arrays.z[o], energy[o],
                                      tolerance_pct)
        for k in acc:
            acc[k] += c[k]
        thirds.append(metrics.thirds_means(energy[o]))
        peaks.append(metrics.peak_shape(energy[o]))
    n = max(acc["moves"], 1)
    return {"camelot_rate": acc["camelot"] / n, "tempo_rate": acc["tempo"] / n,
            "feature_step": acc["feature_step"] / n, "energy_change": acc["energy_change"] / n,
            "peak_share": float(np.mean(peaks)) if peaks else float("nan"),
            "thirds": [float(v) for v in np.nanmean(np.array(thirds), axis=0)] if thirds else [float("nan")] * 3,
            "builds": len(orders), "moves": acc["moves"]}


def target_checks(dj: Mapping, reference: Mapping, peak: Mapping | None = None,
                  targets: Mapping[str, float] = TARGETS, tolerance_pct: float = TEMPO_TOLERANCE_PCT) -> list[dict]:
    """The DJ targets as PASS/FAIL records ``{"target", "value", "goal", "passed", "line"}`` from the builds
    rows ``dj`` and ``reference`` (``camelot_rate``, ``tempo_rate``, ``feature_step``) and the DJ preset +
    peak arc row ``peak`` (``peak_share``, ``thirds``). The step passes when the DJ preset's mean feature step
    is at most ``step_ratio`` x the reference's (a smaller step is better, so it passes too)."""
    ratio = dj["feature_step"] / reference["feature_step"] if reference["feature_step"] > 0 else float("nan")
    checks = [
        ("camelot_rate", dj["camelot_rate"], dj["camelot_rate"] >= targets["camelot_rate"] - 1e-12,
         f"{dj['camelot_rate']:.1%} of moves strictly Camelot-compatible (target >= {targets['camelot_rate']:.0%})"),
        ("tempo_rate", dj["tempo_rate"], dj["tempo_rate"] >= targets["tempo_rate"] - 1e-12,
         f"{dj['tempo_rate']:.1%} of moves within {tolerance_pct:g}% tempo (target >= {targets['tempo_rate']:.0%})"),
        ("step_ratio", ratio, bool(ratio <= targets["step_ratio"] + 1e-12),
         f"feature step {dj['feature_step']:.3f} = {ratio:.3f} x the reference's {reference['feature_step']:.3f} "
         f"(target <= {targets['step_ratio']:.2f} x)"),
    ]
    if peak is not None:
        first, middle, last = peak["thirds"]
        checks.append(("peak_share", peak["peak_share"], peak["peak_share"] >= targets["peak_share"] - 1e-12,
                       f"peak arc: middle third's mean energy above both outer thirds in {peak['peak_share']:.0%} "
                       f"of builds (target >= {targets['peak_share']:.0%}); mean energy of the thirds "
                       f"{first:.3f} / {middle:.3f} / {last:.3f}"))
    return [{"target": name, "value": float(value), "goal": float(targets[name]), "passed": bool(ok),
             "line": f"{'PASS' if ok else 'FAIL'}: {text}"} for name, value, ok, text in checks]


def target_shortfall(row: Mapping, reference_step: float, targets: Mapping[str, float] = TARGETS) -> float:
    """How far a builds row misses the three DJ targets: the sum of relative shortfalls ``max(0, goal - value)
    / goal`` (Camelot, tempo) and ``max(0, ratio - goal) / goal`` (step ratio); 0 = all met."""
    ratio = row["feature_step"] / reference_step
    return (max(0.0, targets["camelot_rate"] - row["camelot_rate"]) / targets["camelot_rate"]
            + max(0.0, targets["tempo_rate"] - row["tempo_rate"]) / targets["tempo_rate"]
            + max(0.0, ratio - targets["step_ratio"]) / targets["step_ratio"])


def choose_defaults(grid: Sequence[Mapping], reference_step: float,
                    targets: Mapping[str, float] = TARGETS) -> dict | None:
    """Pick sweetness / smoothness from a builds ``grid`` (rows with ``sweetness``, ``smoothness``,
    ``camelot_rate``, ``tempo_rate``, ``feature_step``): the highest Camelot rate among rows meeting all three
    targets (``meets_targets`` True); when none does, the row with the smallest :func:`target_shortfall`
    (``meets_targets`` False). None for an empty grid."""
    if not grid:
        return None
    tol = 1e-12
    ok = [r for r in grid if target_shortfall(r, reference_step, targets) <= tol]
    if ok:
        best = max(ok, key=lambda r: (r["camelot_rate"], r["tempo_rate"], -r["feature_step"]))
    else:
        best = min(grid, key=lambda r: target_shortfall(r, reference_step, targets))
    return {**best, "meets_targets": bool(ok), "shortfall": target_shortfall(best, reference_step, targets)}


def builds_section(catalog, arrays: SongArrays, predictor: Predictor, playlists: list[np.ndarray],
                   energy: np.ndarray, settings: EvalSettings, show_progress: bool = False) -> dict:
    """The DJ targets on fresh builds. Rows: ``dj`` (the default preset), ``reference``, each preset with the
    other search, ``dj_peak`` (the DJ preset + the peak arc at ``peak_arc_weight``) and ``reference_peak``; a
    sweetness x smoothness ``grid`` under the DJ preset; ``checks`` (PASS/FAIL) and ``chosen`` (the best grid
    point meeting the targets)."""
    rng = np.random.default_rng([settings.seed, 5])
    songs = np.unique(np.concatenate(playlists))
    seeds = rng.choice(songs, size=min(settings.n_builds, len(songs)), replace=False)
    chooser = CandidatePool("subgenre", settings.build_pool, random_state=settings.seed)
    pools = [chooser.select(catalog, arrays, [int(s)]) for s in seeds]
    presets = preset_settings()
    dj, ref = presets["dj"], presets["reference"]
    peak = {"arc": arcs.Arc.named("peak"), "arc_weight": settings.peak_arc_weight}
    # Each preset with its own search (DISCO's default vs the spec's algorithm), and each with the other
    # search, so that the scoring's effect can be read at equal search too.
    configs = {"dj": dj, "reference": ref,
               f"dj_{OTHER_SEARCH[dj.search]}": dj.replace(search=OTHER_SEARCH[dj.search]),
               f"reference_{OTHER_SEARCH[ref.search]}": ref.replace(search=OTHER_SEARCH[ref.search]),
               "dj_peak": dj.replace(**peak), "reference_peak": ref.replace(**peak)}
    grid_points = [(sw, sm) for sw in settings.build_grid_sweetness for sm in settings.build_grid_smoothness]
    jobs = dict(configs)
    jobs.update({f"grid {sw:g}/{sm:g}": dj.replace(sweetness=sw, smoothness=sm) for sw, sm in grid_points})
    results, ms = {}, {}
    for name, engine in progress(list(jobs.items()), "builds", show_progress):
        t0 = time.perf_counter()
        orders, relaxed, arc_err = [], 0, []
        for s, pool in zip(seeds, pools):
            pl = build_playlist([int(s)], pool, settings.build_length, engine, arrays=arrays, predictor=predictor)
            o = np.asarray(pl.indices, dtype=np.int64)
            orders.append(o)
            relaxed += pl.relaxed_moves
            if engine.uses_arc:
                arc_err.append(arcs.achieved_error(energy[o][pl.n_seeds:], pl.arc_target[pl.n_seeds:, 0]))
        row = build_stats(orders, arrays, energy, settings.tempo_tolerance_pct)
        row.update(relaxed_moves=relaxed, arc_error=float(np.mean(arc_err)) if arc_err else float("nan"),
                   sweetness=engine.sweetness, smoothness=engine.smoothness, search=engine.search)
        results[name] = row
        ms[name] = round(1000 * (time.perf_counter() - t0) / max(len(seeds), 1), 2)
    ref_step = results["reference"]["feature_step"]
    for row in results.values():
        row["step_ratio"] = row["feature_step"] / ref_step if ref_step > 0 else float("nan")
    rows = {name: results[name] for name in configs}
    grid = [results[f"grid {sw:g}/{sm:g}"] for sw, sm in grid_points]
    checks = target_checks(rows["dj"], rows["reference"], rows["dj_peak"], tolerance_pct=settings.tempo_tolerance_pct)
    checks.append(same_search_check(rows, dj.search, ref.search))
    return {"rows": rows, "grid": grid, "checks": checks, "chosen": choose_defaults(grid, ref_step),
            "ms_per_build": ms,  # wall clock: evaluate() moves it to the result's runtime
            "info": {"seeds": len(seeds), "pool": f"{settings.build_pool}-song subgenre",
                     "pool_sizes": [int(len(p)) for p in pools], "length": settings.build_length,
                     "search": {"dj": dj.search, "reference": ref.search},
                     "peak_arc_weight": settings.peak_arc_weight, "targets": dict(TARGETS),
                     "presets": {name: engine.to_dict() for name, engine in presets.items()},
                     "note": "seed songs drawn at random (seeded) from the test playlists' songs; the seed is the "
                             "first of each build's songs; step_ratio = feature step / the reference row's "
                             "(the spec's algorithm: reference scoring, greedy); each preset runs with its own "
                             "search, the _greedy/_beam rows with the other one"}}


def same_search_check(rows: Mapping[str, Mapping], dj_search: str, reference_search: str) -> dict:
    """PASS/FAIL record of the DJ preset's feature step against the reference scoring's at the DJ preset's
    search (the rows ``dj`` and ``reference`` or ``reference_<search>``)."""
    same = rows[f"reference_{dj_search}"] if dj_search != reference_search else rows["reference"]
    ratio = rows["dj"]["feature_step"] / same["feature_step"]
    ok = bool(ratio <= TARGETS["step_ratio"] + 1e-12)
    return {"target": "step_ratio_same_search", "value": float(ratio), "goal": float(TARGETS["step_ratio"]),
            "passed": ok,
            "line": f"{'PASS' if ok else 'FAIL'}: at equal search ({dj_search}), the feature step is {ratio:.3f} x "
                    f"the reference scoring's (the trade-off of key/tempo matches against feature flow)"}
