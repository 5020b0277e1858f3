"""Engine speed: prints one table per part.

1. A 50-song playlist (3 seeds + 47) from pools of 1k, 10k and 100k songs under the reference preset, greedy and
   beam(8): median ms. Pools are resampled from the real songs (``$DISCO_DATA_DIR/spotify_songs.csv``) when
   present, else made up.
2. The same 13-song job (3 seeds + 10, 300-song pool) done the reference way — Keras ``model.predict`` on the
   whole sequence at every step, then pandas scoring of every candidate row — against the engine (skipped when
   Keras is not installed: it is in the ``train`` extra).
3. The DJ preset (graded Camelot key score + DJ tempo kernel) and the DJ preset + every hard rule (Camelot-only,
   6% BPM, no repeated artist) + a peak arc on the same jobs (the cost of the extra terms and masks).
4. Reorder (DJ preset): 20, 50, 100 and 500 random songs, the best starting order alone (``--no-improve``) and
   the whole reorder (starts + local search on the true loss, default time budget): ms, losses, the gain of the
   local search, and whether the time budget cut it short (bench/bench_reorder.py measures its quality).

Targets: greedy 50 from 100k <= 100 ms; beam(8) <= 10x greedy; engine >= 100x the reference
loop; reorder of 100 songs <= 2 s, 500 songs <= 20 s.

The network is the trained one when ``models/`` holds it, else the reference architecture with random weights
(speed does not depend on the weights), else — without Keras — the playlist-mean baseline. The Keras loop always
uses the reference architecture, mirrored exactly by the NumPy stepper.

Run (the package installed, e.g. ``pip install -e .``):
``DISCO_DATA_DIR=../shared/data python bench/bench_engine.py [--repeats 5]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from disco.engine.reorder import reorder_songs  # noqa: E402
from disco.engine.search import build_playlist  # noqa: E402
from disco.engine.settings import EngineSettings  # noqa: E402
from disco.model.arrays import SongArrays  # noqa: E402
from disco.model.baselines import PlaylistMeanPredictor  # noqa: E402
from disco.theory import keys, tempo  # noqa: E402
from disco.theory.arcs import Arc  # noqa: E402

REFERENCE = EngineSettings.from_preset("reference")
DJ = EngineSettings.from_preset("dj")
DJ_FULL = DJ.replace(camelot_only=True, max_bpm_change=6.0, artist_gap=1, arc=Arc.named("peak"),
                     arc_weight=2.0)


def median_ms(fn, repeats: int) -> float:
    fn()  # warm-up (caches, BLAS)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def base_arrays(rng) -> tuple[SongArrays, str, object]:
    """Real songs' arrays (trained feature space if present, else fitted here) or made-up ones."""
    from disco import config
    from disco.errors import DiscoError

    try:
        from disco.model.bundle import FlowModel

        model = FlowModel.load()
    except DiscoError:  # no trained model yet: fall back below
        model = None
    path = config.default_dataset_path()
    if path.is_file():
        from disco.data.catalog import load_catalog

        cat = load_catalog(path)
        if model is not None:
            return model.song_arrays(cat), "resampled from the real catalog", model
        from disco.model.features import FeatureSpace

        return FeatureSpace().fit(cat.songs).song_arrays(cat.songs), "resampled from the real catalog", None
    n = 5000
    z = rng.normal(size=(n, 8)).astype(np.float32)
    arrays = SongArrays(z=z, mode=rng.integers(0, 2, n).astype(np.int8), key=rng.integers(-1, 12, n).astype(np.int8),
                        tempo=rng.uniform(70, 180, n).astype(np.float32), pca=z[:, :3].copy())
    return arrays, "made up (no real catalog)", model


def resample(arrays: SongArrays, n: int, rng) -> SongArrays:
    idx = rng.integers(0, len(arrays), n)
    z = arrays.z[idx] + rng.normal(0, 0.01, (n, 8)).astype(np.float32)  # no exact duplicates
    opt = {f: (rng.uniform(0, 1, n).astype(np.float32) if f != "artist" else rng.integers(0, n // 4 + 1, n))
           if getattr(arrays, f) is None else getattr(arrays, f)[idx] for f in ("energy", "valence", "artist")}
    return SongArrays(z=z.astype(np.float32), mode=arrays.mode[idx], key=arrays.key[idx],
                      tempo=arrays.tempo[idx], pca=arrays.pca[idx], **opt)


def keras_reference():
    """The reference architecture (random weights) and an exact NumPy mirror of it; (None, None) without Keras."""
    try:
        import keras
    except ImportError:
        return None, None
    from disco.model.network import build_model, stepper_meta
    from disco.model.stepper import RNNStepper

    keras.utils.set_random_seed(0)
    model = build_model("reference")
    weights = {}
    for i in range(2):
        k, u, b = model.get_layer(f"rnn{i}").get_weights()
        weights.update({f"layer{i}_kernel": k, f"layer{i}_recurrent_kernel": u, f"layer{i}_bias": b})
    weights["dense_kernel"], weights["dense_bias"] = model.get_layer("dense").get_weights()
    return model, RNNStepper(stepper_meta(model, "reference"), weights)


def reference_loop(model, frame: pd.DataFrame, seeds: list[int], pool: list[int], n_add: int,
                   s: EngineSettings) -> list[int]:
    """The reference's way: predict on the whole sequence each step, score candidates row by row in pandas."""
    feats = ["mode", "z0", "z1", "z2", "z3", "z4", "z5", "z6", "z7"]
    playlist = list(seeds)
    cands = frame.loc[pool].copy()
    for _ in range(n_add):
        seq = frame.loc[playlist, feats].to_numpy(np.float32)[None]
        y = model.predict(seq, verbose=0)[0, -1] * s.spicy
        last = frame.loc[playlist[-1]]

        def loss(row, y=y, last=last):
            d = np.linalg.norm(y - row[feats[1:]].to_numpy(np.float64))
            ks = keys.key_similarity(last["key"], last["mode"], row["key"], row["mode"])
            ts = tempo.tempo_similarity(last["tempo"], row["tempo"])
            return s.flow * d - s.sweetness * ks - s.smoothness * ts

        scores = cands.apply(loss, axis=1)
        best = scores.idxmin()
        playlist.append(int(best))
        cands = cands.drop(index=best)
    return playlist


def build_times(settings: EngineSettings, arrays: SongArrays, predictor, repeats: int) -> tuple[float, float]:
    """Median ms of a 50-song build (3 seeds) from every other song, greedy and beam(8)."""
    seeds, pool = [0, 1, 2], np.arange(3, len(arrays))
    greedy, beam = settings.replace(search="greedy"), settings.replace(search="beam", beam_width=8)
    g = median_ms(lambda: build_playlist(seeds, pool, 50, greedy, arrays=arrays, predictor=predictor), repeats)
    b = median_ms(lambda: build_playlist(seeds, pool, 50, beam, arrays=arrays, predictor=predictor), repeats)
    return g, b


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--reorder-sizes", default="20,50,100,500", help="songs per reorder job")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rng = np.random.default_rng(0)
    base, origin, trained = base_arrays(rng)
    keras_model, mirror = keras_reference()
    if trained is not None:
        predictor, net = trained.stepper, f"trained '{trained.name}'"
    elif mirror is not None:
        predictor, net = mirror, "reference architecture, random weights"
    else:
        predictor, net = PlaylistMeanPredictor(), "playlist mean (no Keras, no trained model)"
    print(f"songs: {origin}; network: {net}; median of {args.repeats} runs\n")

    pools = {n: resample(base, n, rng) for n in sizes}
    rows = []
    print(f"{'reference preset':<24}{'greedy ms':>12}{'beam(8) ms':>12}{'beam/greedy':>13}")
    for n, arrays in pools.items():
        g, b = build_times(REFERENCE, arrays, predictor, args.repeats)
        rows.append((n, g, b))
        print(f"{f'50 songs from {n:,}':<24}{g:>12.1f}{b:>12.1f}{b / g:>12.1f}x")

    speedup = float("nan")
    if keras_model is not None:
        # reference loop vs engine on the same 13-song job, same network weights
        arrays = resample(base, 303, rng)
        frame = pd.DataFrame(arrays.z.astype(np.float64), columns=[f"z{i}" for i in range(8)])
        frame["mode"], frame["key"], frame["tempo"] = arrays.mode, arrays.key, arrays.tempo
        seeds, pool = [0, 1, 2], list(range(3, 303))
        ref_runs = max(1, min(3, args.repeats))
        t_ref = median_ms(lambda: reference_loop(keras_model, frame, seeds, pool, 10, REFERENCE), ref_runs)
        t_eng = median_ms(lambda: build_playlist(seeds, pool, 13, REFERENCE, arrays=arrays, predictor=mirror),
                          args.repeats * 4)
        ref_pl = reference_loop(keras_model, frame, seeds, pool, 10, REFERENCE)
        eng_pl = build_playlist(seeds, pool, 13, REFERENCE, arrays=arrays, predictor=mirror).indices.tolist()
        speedup = t_ref / t_eng
        print(f"\n{'13-song job, 300 pool':<24}{'ms':>12}")
        print(f"{'reference (Keras+pandas)':<24}{t_ref:>12.1f}")
        print(f"{'engine (greedy)':<24}{t_eng:>12.2f}")
        print(f"{'speed-up':<24}{speedup:>11.0f}x   same playlist: {ref_pl == eng_pl}")
    else:
        print("\n(Keras not installed: the reference loop comparison is skipped)")

    print(f"\n{'DJ preset':<24}{'greedy ms':>12}{'beam(8) ms':>12}   settings")
    for n, arrays in pools.items():
        for label, s in (("dj", DJ), ("dj + rules + peak arc", DJ_FULL)):
            g, b = build_times(s, arrays, predictor, args.repeats)
            print(f"{f'50 songs from {n:,}':<24}{g:>12.1f}{b:>12.1f}   {label}")

    # reorder: the best starting order alone vs the whole reorder, DISCO's default (DJ) preset
    print(f"\n{'reorder (dj preset)':<24}{'starts ms':>10}{'reorder ms':>12}{'budget s':>9}{'starts loss':>12}"
          f"{'final loss':>12}{'gain':>8}  cut short")
    reorder_ms = {}
    for n in (int(s) for s in args.reorder_sizes.split(",")):
        idx = rng.choice(len(base), n, replace=False)
        t = time.perf_counter()
        starts = reorder_songs(idx, DJ, arrays=base, predictor=predictor, improve=False)
        ts = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        full = reorder_songs(idx, DJ, arrays=base, predictor=predictor)
        ti = (time.perf_counter() - t) * 1000
        lb, li = starts.total_loss, full.total_loss
        reorder_ms[n] = ti
        print(f"{f'{n} songs':<24}{ts:>10.0f}{ti:>12.0f}{full.info['time_budget']:>9.1f}{lb:>12.2f}{li:>12.2f}"
              f"{(lb - li) / abs(lb):>8.1%}  {'yes' if full.info['cut_short'] else 'no'}")

    n_big, g_big, b_big = rows[-1]
    print(f"\ntargets: greedy 50 from {n_big:,} <= 100 ms: {g_big:.1f} ms; beam(8) <= 10x greedy: "
          f"{b_big / g_big:.1f}x; engine >= 100x reference: {speedup:.0f}x; "
          + "; ".join(f"reorder {n} songs <= {2 if n <= 100 else 20} s: {ms / 1000:.1f} s"
                      for n, ms in reorder_ms.items() if n in (100, 500)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
