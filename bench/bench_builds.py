"""Builds: how far the default beam is from a much wider one, and which arc weight makes arcs show. Prints tables.

1. **Beam gap.** On the evaluation's build seeds (``disco evaluate``'s builds section: seed songs drawn from the
   test playlists' songs, a 300-song pool of each seed's subgenre, 20 songs), the DJ preset's summed loss with
   beam widths 8 (the default) .. 128: the mean gap of each width to the best of all widths, in percent, and
   ms per build. If beam(8) is more than 2% above, the default should be wider.
2. **Arcs.** For the named arcs ``peak`` (middle third's mean energy above both outer thirds) and ``build``
   (rising thirds: first < middle < last), the share of builds that show the shape, over a grid of arc weights
   and energy scales (the arc stretched between these quantiles of the seed + pool energy), with the Camelot
   and tempo move rates against the same builds without an arc. The default is chosen on builds seeded from
   TRAINING playlists' songs (the smallest weight, then the narrowest scale, with >= 90% of peak builds peaking
   and >= 90% of build builds rising), then reported on the test seeds, like the evaluation does.
3. **Artist gap.** The DJ preset with no artist within N songs, N = 0..5: the share of builds that repeat an
   artist within 1..5 songs, against the Camelot and tempo move rates, the feature step, the summed loss and
   the moves that had to relax the rule. The default is the largest N whose cost stays within
   :data:`GAP_RATE_COST` of each rate and :data:`GAP_LOSS_COST` of the loss against N = 0, on the TRAINING seeds.

Run: ``DISCO_DATA_DIR=../shared/data python bench/bench_builds.py [--train-sets 3] [--widths 8,16,32,64,128]``
(``--only-artist-gap`` for section 3 alone)
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from disco.engine.pools import CandidatePool
from disco.engine.search import build_playlist
from disco.engine.settings import EngineSettings
from disco.evaluation import metrics
from disco.evaluation.builds import build_stats
from disco.evaluation.settings import EvalSettings
from disco.theory import arcs

SHAPE_TARGET = 0.90  # share of builds that must show the arc's shape
BEAM_GAP_LIMIT_PCT = 2.0
GAP_RATE_COST = 0.01  # the artist gap may cost at most 1 point of the Camelot and the tempo rate ...
GAP_LOSS_COST = 0.02  # ... and 2% of the summed loss


def draw_seeds(catalog, arrays, playlists, settings: EvalSettings, n: int, salt: int = 5):
    """Seed songs and their subgenre pools, drawn as the evaluation's builds section draws them."""
    rng = np.random.default_rng([settings.seed, salt])
    songs = np.unique(np.concatenate(playlists))
    seeds = rng.choice(songs, size=min(n, len(songs)), replace=False)
    chooser = CandidatePool("subgenre", settings.build_pool, random_state=settings.seed)
    return [int(s) for s in seeds], [chooser.select(catalog, arrays, [int(s)]) for s in seeds]


def shape_ok(energy: np.ndarray, shape: str) -> bool:
    first, middle, last = metrics.thirds_means(energy)
    return bool(middle > first and middle > last) if shape == "peak" else bool(first < middle < last)


def run_builds(seeds, pools, settings: EngineSettings, arrays, predictor, length, scale=None, shape=None):
    """Orders, summed losses and ms per build; with ``scale`` (quantiles), the named arc ``shape`` fitted here
    to the quantiles of each build's seed + pool energy."""
    orders, losses = [], []
    t = time.perf_counter()
    for s, pool in zip(seeds, pools):
        run = settings
        if scale is not None:
            low, high = arcs.energy_range(arrays.energy[np.r_[s, pool]], scale)
            run = settings.replace(arc=arcs.Arc.named(shape, low, high), fit_arc=False)
        pl = build_playlist([s], pool, length, run, arrays=arrays, predictor=predictor)
        orders.append(np.asarray(pl.indices))
        losses.append(pl.total_loss)
    return orders, np.array(losses), 1000 * (time.perf_counter() - t) / max(len(seeds), 1)


def arc_row(seeds, pools, base, weight, scale, arrays, predictor, length, energy, plain):
    out = {"weight": weight, "scale": scale}
    for shape in ("peak", "build"):
        orders, _, ms = run_builds(seeds, pools, base.replace(arc_weight=weight), arrays, predictor, length,
                                   scale, shape)
        stats = build_stats(orders, arrays, energy)
        out[shape] = float(np.mean([shape_ok(energy[o], shape) for o in orders]))
        out[f"{shape}_thirds"] = stats["thirds"]
        out[f"{shape}_camelot"] = stats["camelot_rate"] - plain["camelot_rate"]
        out[f"{shape}_tempo"] = stats["tempo_rate"] - plain["tempo_rate"]
        out[f"{shape}_ms"] = ms
    return out


def print_arc_rows(rows, plain, title):
    print(f"\n{title}; no arc: Camelot {plain['camelot_rate']:.1%}, tempo {plain['tempo_rate']:.1%}, thirds "
          + " / ".join(f"{v:.2f}" for v in plain["thirds"]))
    head = (f"{'weight':>6} {'scale':>10} {'peak ok':>8} {'peak thirds':>17} {'dCam':>6} {'dTempo':>6}"
            f" {'build ok':>8} {'build thirds':>17} {'dCam':>6} {'dTempo':>6}")
    print(head)
    print("-" * len(head))
    for r in rows:
        scale = "{:g}-{:g}".format(*r["scale"])
        print(f"{r['weight']:>6g} {scale:>10} {r['peak']:>8.0%} "
              f"{' / '.join(f'{v:.2f}' for v in r['peak_thirds']):>17} {100 * r['peak_camelot']:>+6.1f}"
              f" {100 * r['peak_tempo']:>+6.1f} {r['build']:>8.0%} "
              f"{' / '.join(f'{v:.2f}' for v in r['build_thirds']):>17} {100 * r['build_camelot']:>+6.1f}"
              f" {100 * r['build_tempo']:>+6.1f}")


def beam_table(label, seeds, pools, widths, base, arrays, predictor, length, energy) -> None:
    """The summed loss of each beam width on the same builds, its gap to the best width, and the DJ rates."""
    losses, ms, stats = {}, {}, {}
    for w in widths:
        orders, losses[w], ms[w] = run_builds(seeds, pools, base.replace(beam_width=w), arrays, predictor, length)
        stats[w] = build_stats(orders, arrays, energy)
    best = np.min(np.stack(list(losses.values())), axis=0)
    print(f"\nbeam widths on {len(seeds)} {label}")
    print(f"{'beam width':>10} {'mean loss':>10} {'gap % (mean)':>13} {'(pooled)':>9} {'(max)':>7} {'at best':>8} "
          f"{'Camelot':>8} {'tempo':>7} {'step':>6} {'ms/build':>9}")
    for w in widths:
        gap = 100 * (losses[w] - best) / np.abs(best)
        pooled = 100 * (losses[w].sum() - best.sum()) / np.abs(best).sum()  # not inflated by losses near 0
        print(f"{w:>10} {losses[w].mean():>10.3f} {gap.mean():>13.2f} {pooled:>9.2f} {gap.max():>7.2f} "
              f"{np.mean(gap < 1e-6):>8.0%} "
              f"{stats[w]['camelot_rate']:>8.1%} {stats[w]['tempo_rate']:>7.1%} {stats[w]['feature_step']:>6.3f} "
              f"{ms[w]:>9.1f}")
    if base.beam_width in losses:
        g = 100 * (losses[base.beam_width] - best) / np.abs(best)
        verdict = "within" if g.mean() <= BEAM_GAP_LIMIT_PCT else "OVER"
        print(f"beam({base.beam_width}), the default: mean gap {g.mean():.2f}% to the best width, {verdict} "
              f"{BEAM_GAP_LIMIT_PCT:g}%")


def repeat_within(orders, artist, window: int) -> float:
    """Share of builds where some song's (known) artist is among the ``window`` songs before it."""
    hits = 0
    for o in orders:
        a = np.asarray(artist)[np.asarray(o)]
        hits += any(a[i] >= 0 and (a[max(0, i - window):i] == a[i]).any() for i in range(1, len(a)))
    return hits / max(len(orders), 1)


def artist_gap_rows(seeds, pools, base, gaps, arrays, predictor, length, energy):
    rows = []
    for gap in gaps:
        settings = base.replace(artist_gap=gap)
        orders, relaxed, t = [], 0, time.perf_counter()
        losses = []
        for s, pool in zip(seeds, pools):
            pl = build_playlist([s], pool, length, settings, arrays=arrays, predictor=predictor)
            orders.append(np.asarray(pl.indices))
            losses.append(pl.total_loss)
            relaxed += sum("artist_gap" in r for r in pl.relaxed)
        stats = build_stats(orders, arrays, energy)
        rows.append({"gap": gap, "repeat": [repeat_within(orders, arrays.artist, w) for w in range(1, 6)],
                     "camelot": stats["camelot_rate"], "tempo": stats["tempo_rate"], "step": stats["feature_step"],
                     "loss": float(np.mean(losses)), "relaxed": relaxed,
                     "ms": 1000 * (time.perf_counter() - t) / max(len(seeds), 1)})
    return rows


def print_artist_gap_rows(rows, title):
    print(f"\n{title}")
    head = (f"{'N':>2} " + " ".join(f"{'rep<=' + str(w):>7}" for w in range(1, 6))
            + f" {'Camelot':>8} {'tempo':>7} {'step':>6} {'loss':>8} {'dLoss%':>7} {'relaxed':>8} {'ms/build':>9}")
    print(head)
    print("-" * len(head))
    loss0 = rows[0]["loss"]
    for r in rows:
        print(f"{r['gap']:>2} " + " ".join(f"{v:>7.0%}" for v in r["repeat"])
              + f" {r['camelot']:>8.1%} {r['tempo']:>7.1%} {r['step']:>6.3f} {r['loss']:>8.3f}"
              f" {100 * (r['loss'] - loss0) / abs(loss0):>+7.2f} {r['relaxed']:>8} {r['ms']:>9.1f}")


def choose_artist_gap(rows) -> int:
    """The largest N >= 2 within the costs against N = 0 (else 1, else 0)."""
    free = rows[0]
    ok = [r["gap"] for r in rows
          if free["camelot"] - r["camelot"] <= GAP_RATE_COST + 1e-12 and free["tempo"] - r["tempo"] <= GAP_RATE_COST
          + 1e-12 and (r["loss"] - free["loss"]) <= GAP_LOSS_COST * abs(free["loss"]) + 1e-12]
    return max(ok) if ok else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--widths", default="8,16,32,64,128")
    ap.add_argument("--train-sets", type=int, default=3, help="sets of 20 training seeds to choose the arc on")
    ap.add_argument("--weights", default="1,2,3,4,5,6,8")
    ap.add_argument("--scales", default="0.1-0.9,0.05-0.95,0-1", help="energy quantiles the arc spans")
    ap.add_argument("--skip-beam", action="store_true")
    ap.add_argument("--artist-gaps", default="0,1,2,3,4,5")
    ap.add_argument("--only-artist-gap", action="store_true", help="section 3 only")
    args = ap.parse_args()

    from disco.data.catalog import load_default_catalog
    from disco.evaluation.inputs import playlist_indices
    from disco.model.bundle import FlowModel

    model = FlowModel.load()
    catalog = load_default_catalog()
    arrays, predictor = model.song_arrays(catalog), model.stepper
    energy = np.asarray(arrays.energy, dtype=np.float64)
    ev = EvalSettings()
    split = model.card["split_playlists"]
    test = list(playlist_indices(catalog.playlists, catalog.index_of, split["test"])[0].values())
    train = list(playlist_indices(catalog.playlists, catalog.index_of, split["train"])[0].values())
    test_seeds, test_pools = draw_seeds(catalog, arrays, test, ev, ev.n_builds)
    dj = EngineSettings()
    length = ev.build_length
    print(f"{len(test_seeds)} test seeds (the evaluation's builds), {ev.build_pool}-song subgenre pools, "
          f"{length} songs, DJ preset")

    train_seeds, train_pools = draw_seeds(catalog, arrays, train, ev, ev.n_builds * args.train_sets, salt=7)
    gaps = [int(g) for g in args.artist_gaps.split(",")]
    train_rows = artist_gap_rows(train_seeds, train_pools, dj, gaps, arrays, predictor, length, energy)
    print_artist_gap_rows(train_rows, f"artist gap on {len(train_seeds)} TRAINING seeds (choosing; rep<=W: share of "
                                      "builds repeating an artist within W songs)")
    chosen_gap = choose_artist_gap(train_rows)
    print(f"chosen: artist gap {chosen_gap} (the largest N costing at most {GAP_RATE_COST:.0%} of the Camelot and "
          f"tempo rates and {GAP_LOSS_COST:.0%} of the loss; the DJ preset has {dj.artist_gap})")
    print_artist_gap_rows(artist_gap_rows(test_seeds, test_pools, dj, gaps, arrays, predictor, length, energy),
                          f"artist gap on the {len(test_seeds)} TEST seeds (the evaluation's; reporting)")
    if args.only_artist_gap:
        return 0
    if not args.skip_beam:
        widths = [int(w) for w in args.widths.split(",")]
        for label, seeds, pools in (("TEST seeds (the evaluation's)", test_seeds, test_pools),
                                    ("TRAINING seeds", train_seeds, train_pools)):
            beam_table(label, seeds, pools, widths, dj, arrays, predictor, length, energy)

    weights = [float(w) for w in args.weights.split(",")]
    scales = [tuple(float(v) for v in s.split("-")) for s in args.scales.split(",")]
    plain_orders, _, _ = run_builds(train_seeds, train_pools, dj, arrays, predictor, length)
    plain = build_stats(plain_orders, arrays, energy)
    rows = [arc_row(train_seeds, train_pools, dj, w, sc, arrays, predictor, length, energy, plain)
            for sc in scales for w in weights]
    print_arc_rows(rows, plain, f"arcs on {len(train_seeds)} TRAINING seeds (choosing)")
    ok = [r for r in rows if r["peak"] >= SHAPE_TARGET and r["build"] >= SHAPE_TARGET]
    # the smallest weight meeting both, then the narrowest energy scale: the least pull away from key and tempo
    chosen = min(ok, key=lambda r: (r["weight"], r["scale"][1] - r["scale"][0])) if ok else None
    if chosen is None:
        print(f"no grid point has >= {SHAPE_TARGET:.0%} of builds showing both shapes")
        return 1
    print(f"chosen: arc weight {chosen['weight']:g}, energy scale {chosen['scale'][0]:g}-{chosen['scale'][1]:g} "
          "quantiles")
    test_plain_orders, _, _ = run_builds(test_seeds, test_pools, dj, arrays, predictor, length)
    test_plain = build_stats(test_plain_orders, arrays, energy)
    current = (dj.arc_weight, arcs.FIT_QUANTILES)
    report = [arc_row(test_seeds, test_pools, dj, w, sc, arrays, predictor, length, energy, test_plain)
              for w, sc in {(1.0, (0.1, 0.9)), current, (chosen["weight"], chosen["scale"])}]
    print_arc_rows(sorted(report, key=lambda r: r["weight"]), test_plain,
                   f"arcs on the {len(test_seeds)} TEST seeds (reporting; defaults now: weight "
                   f"{current[0]:g}, scale {current[1][0]:g}-{current[1][1]:g}; before: 1, 0.1-0.9)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
