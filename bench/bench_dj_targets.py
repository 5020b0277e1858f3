"""The DJ targets for DISCO's default scoring: prints one table (scoring x Camelot rate, tempo rate, step).

Setup: 20 random seed songs (fixed rng), a 300-song pool from each seed's subgenre, 20-song builds, greedy (and
beam for the presets). Per scoring: the share of moves that are strictly Camelot-compatible (same code, +/-1
same letter, A<->B), the share within 6% tempo after folding double/half time, the mean feature step
``||z[i+1] - z[i]||`` and its ratio to the reference scoring (all from the evaluation's
``disco.evaluation.builds.build_stats``), moves that relaxed a hard rule, and for arcs the share of builds
whose middle third's mean energy is above both outer thirds (``peak ok``) and the mean |energy - target|.

Targets: camelot >= 80%, tempo >= 85%, step <= 1.10 x reference (the DJ preset, ``EngineSettings()``, is
checked and the best grid point meeting them is printed). ``python -m disco evaluate`` reports the same
numbers in its ``builds`` section (seeds drawn from the test playlists' songs there).

Run: ``DISCO_DATA_DIR=../shared/data python bench/bench_dj_targets.py [--predictor model|mean] [--grid]``
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from disco.engine.pools import CandidatePool  # noqa: E402
from disco.engine.search import build_playlist  # noqa: E402
from disco.engine.settings import EngineSettings  # noqa: E402
from disco.evaluation.builds import build_stats  # noqa: E402
from disco.evaluation.settings import DJ_RULES  # noqa: E402
from disco.evaluation.settings import TARGETS as EVAL_TARGETS
from disco.model.baselines import PlaylistMeanPredictor  # noqa: E402
from disco.theory import arcs  # noqa: E402

N_SEEDS, POOL, LENGTH = 20, 300, 20
TARGETS = {"camelot": EVAL_TARGETS["camelot_rate"], "tempo": EVAL_TARGETS["tempo_rate"],
           "step_ratio": EVAL_TARGETS["step_ratio"]}


def run(arrays, predictor, seeds, pools, settings: EngineSettings) -> dict:
    energy = np.asarray(arrays.energy, np.float64)
    orders, relaxed, arc_err = [], 0, []
    t0 = time.perf_counter()
    for s, pool in zip(seeds, pools):
        pl = build_playlist([s], pool, LENGTH, settings, arrays=arrays, predictor=predictor)
        o = np.asarray(pl.indices, dtype=np.int64)
        orders.append(o)
        relaxed += pl.relaxed_moves
        if settings.uses_arc:
            arc_err.append(arcs.achieved_error(energy[o][pl.n_seeds:], pl.arc_target[pl.n_seeds:, 0]))
    ms = (time.perf_counter() - t0) * 1000 / len(seeds)
    stats = build_stats(orders, arrays, energy)
    return {"camelot": stats["camelot_rate"], "tempo": stats["tempo_rate"], "step": stats["feature_step"],
            "relaxed": relaxed, "peak": stats["peak_share"],
            "arc_err": float(np.mean(arc_err)) if arc_err else float("nan"), "ms": ms}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--predictor", choices=("model", "mean"), default="model",
                    help="the trained network in models/ (default) or a running-mean stand-in")
    ap.add_argument("--grid", action="store_true", help="also sweep sweetness x smoothness under camelot + dj")
    ap.add_argument("--seed", type=int, default=0, help="rng seed for the 20 seed songs")
    ap.add_argument("--sets", type=int, default=1, help="pool N sets of 20 seeds (rng seed, seed+1, ...)")
    args = ap.parse_args()

    from disco.data.catalog import load_default_catalog
    from disco.model.bundle import FlowModel

    model = FlowModel.load()
    catalog = load_default_catalog()
    arrays = model.song_arrays(catalog)
    predictor = model.stepper if args.predictor == "model" else PlaylistMeanPredictor()
    seeds = [int(s) for k in range(args.sets)
             for s in np.random.default_rng(args.seed + k).choice(len(catalog.songs), N_SEEDS, replace=False)]
    chooser = CandidatePool("subgenre", POOL)
    pools = [chooser.select(catalog, arrays, [s]) for s in seeds]

    dj = EngineSettings()  # DISCO's default: the DJ preset (beam search)
    ref = EngineSettings.from_preset("reference")  # the spec's algorithm (greedy)
    peak = arcs.Arc.named("peak")
    rows = [
        ("reference", ref),
        ("reference", ref.replace(search="beam")),
        ("camelot + dj", dj.replace(sweetness=1.0, smoothness=1.0, search="greedy")),
        ("DJ preset", dj.replace(search="greedy")),
        ("DJ preset", dj),
        ("reference + rules (camelot, 6%)", ref.replace(**DJ_RULES)),
        ("DJ preset + rules (camelot, 6%)", dj.replace(search="greedy", **DJ_RULES)),
        ("DJ preset + peak arc w=2", dj.replace(search="greedy", arc=peak, arc_weight=2.0)),
        ("DJ preset + peak arc w=5", dj.replace(search="greedy", arc=peak, arc_weight=5.0)),
        ("DJ preset + peak arc w=5", dj.replace(arc=peak, arc_weight=5.0)),
    ]
    if args.grid:
        rows += [("camelot + dj grid", dj.replace(sweetness=sw, smoothness=sm, search="greedy"))
                 for sw in (0.6, 0.8, 0.9, 1.0, 1.2, 1.5) for sm in (0.6, 0.8, 1.0, 1.2)]

    name = "trained " + model.name if args.predictor == "model" else "running mean"
    print(f"predictor: {name}; {len(seeds)} seeds (rng {args.seed}..{args.seed + args.sets - 1}), "
          f"{POOL}-song subgenre pools, {LENGTH} songs")
    head = (f"{'scoring':<36} {'sweet/smooth':>12} {'search':>6} {'camelot':>8} {'tempo6%':>8} {'step':>6} "
            f"{'x ref':>6} {'relaxed':>7} {'peak ok':>7} {'arc err':>7} {'ms/build':>8}")
    print(head)
    print("-" * len(head))
    ref_step = {}
    results = []
    for label, settings in rows:
        r = run(arrays, predictor, seeds, pools, settings)
        if label == "reference":
            ref_step[settings.search] = r["step"]
        ratio = r["step"] / ref_step.get(settings.search, ref_step["greedy"])
        results.append((label, settings, r, ratio))
        print(f"{label:<36} {f'{settings.sweetness:g} / {settings.smoothness:g}':>12} {settings.search:>6} "
              f"{r['camelot']:8.1%} {r['tempo']:8.1%} {r['step']:6.3f} {ratio:6.2f} {r['relaxed']:7d} "
              f"{r['peak']:7.0%} {r['arc_err']:7.3f} {r['ms']:8.1f}")

    def meets(r, ratio):
        return r["camelot"] >= TARGETS["camelot"] and r["tempo"] >= TARGETS["tempo"] and ratio <= TARGETS["step_ratio"]

    print()
    for label, settings, r, ratio in results:
        if label == "DJ preset":
            verdict = "PASS" if meets(r, ratio) else "FAIL"
            print(f"{verdict}: DJ preset ({settings.search}) camelot {r['camelot']:.1%} >= 80%, tempo "
                  f"{r['tempo']:.1%} >= 85%, step {ratio:.2f} x reference <= 1.10")
        if label.endswith("peak arc w=5") and settings.search == "greedy":
            print(f"{'PASS' if r['peak'] >= 0.5 else 'FAIL'}: peak arc (w=5, greedy): middle third above both outer "
                  f"thirds in {r['peak']:.0%} of builds")
    grid = [(r["camelot"], settings, r, ratio) for label, settings, r, ratio in results
            if label.startswith("camelot + dj") and meets(r, ratio)]
    if grid:
        cam, settings, r, ratio = max(grid, key=lambda g: g[0])
        print(f"best camelot + dj weights meeting the targets: sweetness {settings.sweetness:g}, smoothness "
              f"{settings.smoothness:g} (camelot {cam:.1%}, tempo {r['tempo']:.1%}, step x{ratio:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
