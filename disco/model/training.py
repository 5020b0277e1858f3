"""Training the flow network end to end: split by playlist, windows, feature space, candidate networks, the card.

Steps: playlists -> split by playlist (70/15/15, seeded) -> windows of up to 50 songs -> feature space fitted
on the train songs -> each candidate network trained with early stopping on validation loss -> validation and
test MAE of every candidate beside the baselines on the same transitions -> the candidate with the lowest
**validation** MAE becomes ``chosen`` (test MAE is reported, never used to choose); the reference stays
selectable. Keras is imported here and in :mod:`disco.model.network` only.
"""

from __future__ import annotations

import json
import platform
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from disco.errors import ModelError
from disco.model.bundle import CARD_NAME, FEATURE_SPACE_NAME
from disco.model.features import FeatureSpace
from disco.model.stepper import RNNStepper
from disco.model.windows import (SPLITS, baseline_maes, mad, make_windows, masked_mae, split_playlists,
                                 window_tensors)

DEFAULT_CANDIDATES = ("reference", "gru", "gru_residual")


def train(catalog, out_dir: Path, candidates=DEFAULT_CANDIDATES, epochs: int = 200, patience: int = 15,
          seed: int = 0, batch_size: int = 64, learning_rate: float = 2e-3, progress: bool = True,
          window: int = 50) -> dict:
    """Train ``candidates`` on ``catalog``'s playlists, write artifacts into ``out_dir``; return the card."""
    from disco.model import network as nn

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
    chosen = min(results, key=lambda r: r["validation_mae"])
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
        "chosen_by": "lowest validation MAE among candidates (test MAE reported, not used to choose)",
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
