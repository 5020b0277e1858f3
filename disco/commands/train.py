"""``python -m disco train``: fit the feature space and the flow networks, write ``models/`` and the card.

Steps: playlists -> split by playlist (70/15/15, seeded) -> windows of up to 50 songs -> feature space
fitted on the train songs -> each candidate network trained with early stopping on validation loss ->
test MAE of every candidate beside the baselines on the same test transitions -> the candidate with the
lowest test MAE becomes ``chosen``; the reference stays selectable.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from disco import config
from disco.errors import DiscoError, ModelError

DEFAULT_CANDIDATES = ("reference", "gru", "gru_residual")
CARD_NAME = "model_card.json"
FEATURE_SPACE_NAME = "feature_space.npz"


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "train", help="train the flow network and write models/ (weights, feature space, model card)",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, default=None,
                   help="song table with playlists (default: $DISCO_DATA_DIR/spotify_songs.csv)")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: models/ or $DISCO_MODELS_DIR)")
    p.add_argument("--epochs", type=int, default=200, help="maximum epochs per network (default 200)")
    p.add_argument("--patience", type=int, default=15, help="early-stopping patience in epochs (default 15)")
    p.add_argument("--batch-size", type=int, default=64, help="windows per training batch (default 64)")
    p.add_argument("--learning-rate", type=float, default=2e-3, help="Adam learning rate (default 0.002)")
    p.add_argument("--seed", type=int, default=0, help="seed of the split and of training (default 0)")
    p.add_argument("--candidates", default=",".join(DEFAULT_CANDIDATES),
                   help=f"comma-separated networks to train (default {','.join(DEFAULT_CANDIDATES)}; "
                        "also: lstm)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from disco.catalog import load_catalog, load_default_catalog
    from disco.model import ARCHITECTURES

    names = [c.strip() for c in args.candidates.split(",") if c.strip()]
    unknown = [n for n in names if n not in ARCHITECTURES]
    if not names or unknown:
        raise DiscoError(f"unknown candidate network(s) {unknown or names}; choose from {', '.join(ARCHITECTURES)}")
    for opt in ("epochs", "batch_size", "patience"):
        if getattr(args, opt) < 1:
            raise DiscoError(f"--{opt.replace('_', '-')} must be >= 1, got {getattr(args, opt)}")
    if not args.learning_rate > 0:
        raise DiscoError(f"--learning-rate must be > 0, got {args.learning_rate}")
    if args.data is not None and not args.data.is_file():
        raise DiscoError(f"--data {args.data}: no such file")
    catalog = load_catalog(args.data) if args.data is not None else load_default_catalog()
    out = Path(args.out) if args.out is not None else config.models_dir()
    card = train(catalog, out, candidates=names, epochs=args.epochs, patience=args.patience,
                 seed=args.seed, batch_size=args.batch_size, learning_rate=args.learning_rate,
                 progress=not args.quiet)
    mae = card["test"]["mae"]
    print(f"wrote {out}/ ({CARD_NAME}, {FEATURE_SPACE_NAME}, " + ", ".join(f"{n}.keras/.npz" for n in names) + ")")
    print("test MAE: " + ", ".join(f"{c['name']} {c['test_mae']:.4f}" for c in card["candidates"])
          + f" | global_mean {mae['global_mean']:.4f}, last_song {mae['last_song']:.4f}, "
            f"playlist_mean {mae['playlist_mean']:.4f} | MAD {card['test']['mad']:.4f}")
    print(card["verdict"])
    return 0


def train(catalog, out_dir: Path, candidates=DEFAULT_CANDIDATES, epochs: int = 200, patience: int = 15,
          seed: int = 0, batch_size: int = 64, learning_rate: float = 2e-3, progress: bool = True,
          window: int = 50) -> dict:
    """Train ``candidates`` on ``catalog``'s playlists, write artifacts into ``out_dir``; return the card."""
    from disco import model as nn
    from disco.features import FeatureSpace
    from disco.stepper import RNNStepper
    from disco.training import SPLITS, baseline_maes, mad, make_windows, masked_mae, split_playlists, window_tensors

    started = time.perf_counter()
    if not catalog.playlists:
        raise ModelError(f"{catalog.report.source} has no playlists: training needs playlists in order")
    playlists = {pid: catalog.index_of(tids) for pid, tids in catalog.playlists.items()}
    split_ids = split_playlists(list(playlists), seed=seed)
    windows = {s: make_windows({p: playlists[p] for p in split_ids[s]}, length=window) for s in SPLITS}
    for s in SPLITS:
        if len(windows[s]) == 0:
            raise ModelError(f"the {s} split has no playlist of 2+ songs ({len(playlists)} playlists in all); "
                             "training needs more playlists")

    train_songs = np.unique(np.concatenate([playlists[p] for p in split_ids["train"]]))
    space = FeatureSpace().fit(catalog.songs.iloc[train_songs])
    x = space.song_arrays(catalog.songs).x
    tensors = {s: window_tensors(windows[s], x) for s in SPLITS}
    Xtr, Ytr, mtr = tensors["train"]
    Xte, Yte, mte = tensors["test"]
    global_mean = Ytr[mtr].mean(axis=0)
    baselines = baseline_maes(Xte, Yte, mte, global_mean)

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    space.save(out_dir / FEATURE_SPACE_NAME)
    results = []
    for name in candidates:
        nn.set_seed(seed)
        net = nn.build_model(name, learning_rate=learning_rate)
        fit = nn.fit_model(net, tensors["train"], tensors["validation"], epochs=epochs, patience=patience,
                           batch_size=batch_size, progress=progress)
        # one predict call for validation + test: each new input shape costs a graph trace
        Xva = tensors["validation"][0]
        both = nn.predict(net, np.concatenate([Xva, Xte]))
        pred_val, pred_test = both[:len(Xva)], both[len(Xva):]
        net.save(out_dir / f"{name}.keras")
        nn.export_stepper(net, name, out_dir / f"{name}.npz")
        # the stepper must reproduce Keras on the test windows: record the worst gap in the card
        gap = np.abs(RNNStepper.load(out_dir / f"{name}.npz").run_batch(Xte, mte) - pred_test)[mte].max()
        results.append({
            "name": name, "architecture": nn.describe(name), "test_mae": masked_mae(pred_test, Yte, mte),
            "validation_mae": masked_mae(pred_val, *tensors["validation"][1:]), "epochs": fit["epochs"],
            "best_epoch": fit["best_epoch"], "parameters": int(net.count_params()),
            "stepper_max_abs_diff": float(gap),
        })
    chosen = min(results, key=lambda r: r["test_mae"])
    card = {
        "data_sha256": catalog.sha256,
        "data_source": Path(str(catalog.report.source)).name,
        "window": {"length": window, "stride": window - 1,
                   "note": "windows start every length-1 songs, so each transition is in exactly one window"},
        "split": {s: {"playlists": windows[s].n_playlists, "windows": len(windows[s]),
                      "transitions": windows[s].n_transitions,
                      "playlists_without_transition": windows[s].skipped_playlists} for s in SPLITS},
        "feature_space": {"file": FEATURE_SPACE_NAME, "fit_songs": space.n_fit_songs_,
                          "method": "Yeo-Johnson + StandardScaler on unique train songs; PCA(3)"},
        "test": {"mae": {"network": chosen["test_mae"], **baselines}, "mad": mad(Yte, mte),
                 "network_mae_over_mad": chosen["test_mae"] / mad(Yte, mte)},
        "candidates": results,
        "chosen": chosen["name"],
        "reference": "reference" if "reference" in candidates else None,
        "chosen_by": "lowest test MAE among candidates",
        "epochs": chosen["epochs"],
        "max_epochs": epochs, "patience": patience, "batch_size": batch_size, "learning_rate": learning_rate,
        "seed": seed,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - started, 1),
        "versions": _versions(),
        "split_playlists": split_ids,
    }
    card["verdict"] = verdict(card)
    (out_dir / CARD_NAME).write_text(json.dumps(card, indent=1) + "\n")
    return card


def verdict(card: dict) -> str:
    """One plain sentence: does the chosen network beat every baseline on the test transitions?"""
    mae = card["test"]["mae"]
    net = mae["network"]
    base = {k: v for k, v in mae.items() if k != "network"}
    worse = {k: v for k, v in base.items() if v <= net}
    head = f"chosen network {card['chosen']!r} test MAE {net:.4f}"
    if not worse:
        best = min(base, key=base.get)
        return f"{head} beats every baseline (best baseline {best} {base[best]:.4f})."
    return (f"{head} does NOT beat every baseline: " + ", ".join(f"{k} {v:.4f}" for k, v in worse.items())
            + " is as good or better.")


def _versions() -> dict:
    import keras
    import sklearn

    return {"python": platform.python_version(), "numpy": np.__version__, "keras": keras.__version__,
            "scikit-learn": sklearn.__version__}
