"""Training the flow network end to end: split by playlist, windows, feature space, candidate networks, the card.

Steps: playlists -> split by playlist (70/15/15, seeded) -> windows of up to 50 songs -> feature space fitted
on the train songs -> each candidate network trained with early stopping on validation loss -> validation and
test MAE of every candidate beside the baselines on the same transitions -> the candidate with the lowest
**validation** MAE becomes ``chosen`` (test MAE is reported, never used to choose); the reference stays
selectable. Keras is imported here and in :mod:`disco.model.network` only.

:func:`train_variant` trains a network on fewer features (the audio features DISCO measures) on the same split
and adds it to the card's ``variants``, with the catalog's quantiles that put DISCO's measures on its scale.
"""

from __future__ import annotations

import importlib.util
import json
import platform
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from disco.data.schema import ABSTRACT_FEATURES
from disco.errors import ModelError
from disco.model.bundle import CARD_NAME, FEATURE_SPACE_NAME, VARIANT_FEATURE_SETS
from disco.model.features import FeatureSpace
from disco.model.scale import (
    DISCO_AUDIO_PREFIX,
    N_QUANTILES,
    QuantileScale,
    mapping_cost,
)
from disco.model.stepper import RNNStepper
from disco.model.windows import (
    SPLITS,
    baseline_maes,
    mad,
    make_windows,
    masked_mae,
    split_playlists,
    window_tensors,
)

DEFAULT_CANDIDATES = ("reference", "gru", "gru_residual")
QUANTILES_SUFFIX = "quantiles.npz"  # a variant's catalog quantiles: "<feature set>_quantiles.npz"


def train(catalog, out_dir: Path, candidates=DEFAULT_CANDIDATES, epochs: int = 200, patience: int = 15,
          seed: int = 0, batch_size: int = 64, learning_rate: float = 2e-3, progress: bool = True,
          window: int = 50) -> dict:
    """Train the main network's ``candidates`` on ``catalog``'s playlists, write artifacts into ``out_dir``;
    return the card. Variants already in ``out_dir``'s card are kept when the split is the same (same data and
    seed), else dropped (they were trained on other playlists)."""
    started = time.perf_counter()
    playlists = _playlist_indices(catalog)
    split_ids = split_playlists(list(playlists), seed=seed)
    out_dir = Path(out_dir)
    try:  # the card being replaced: its variants may stay
        old_card = _read_card(out_dir / CARD_NAME) if (out_dir / CARD_NAME).is_file() else {}
    except ModelError:
        old_card = {}
    run = _train_networks(catalog, playlists, split_ids, ABSTRACT_FEATURES, out_dir, prefix="",
                          candidates=candidates, epochs=epochs, patience=patience, seed=seed, batch_size=batch_size,
                          learning_rate=learning_rate, progress=progress, window=window)
    space, chosen, results = run["space"], run["chosen"], run["candidates"]
    card = {
        "data_sha256": catalog.sha256,
        "data_source": Path(str(catalog.report.source)).name,
        "window": {"length": window, "stride": window - 1,
                   "note": "windows start every length-1 songs, so each transition is in exactly one window"},
        "split": run["split"],
        "feature_space": {"file": FEATURE_SPACE_NAME, "fit_songs": space.n_fit_songs_,
                          "method": "Yeo-Johnson + StandardScaler on unique train songs; PCA(3)"},
        "test": run["test"],
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
    if old_card.get("variants") and old_card.get("split_playlists") == split_ids:
        card["variants"] = old_card["variants"]  # trained on the same playlists: still valid
    (out_dir / CARD_NAME).write_text(json.dumps(card, indent=1) + "\n")
    return card


def train_variant(catalog, out_dir: Path, feature_set: str = "audio", candidates=DEFAULT_CANDIDATES,
                  epochs: int = 200, patience: int = 15, seed: int = 0, batch_size: int = 64,
                  learning_rate: float = 2e-3, progress: bool = True) -> dict:
    """Train a network on the features of ``feature_set`` (:data:`VARIANT_FEATURE_SETS`, e.g. the audio
    features DISCO measures) and declare it in ``out_dir``'s card under ``variants``; return its entry.

    It reuses the main card's split (``split_playlists``: the same test playlists) and window length, so the
    main network must be trained first on the same data. Its files start with ``"<feature_set>_"``: feature
    space, networks (``.keras`` + ``.npz``) and the catalog's quantiles for the rank mapping of DISCO's
    measures (:mod:`disco.model.scale`). The main network's files and card fields are not touched.
    """
    started = time.perf_counter()
    if feature_set not in VARIANT_FEATURE_SETS:
        raise ModelError(f"unknown feature set {feature_set!r}; choose from {', '.join(VARIANT_FEATURE_SETS)}")
    features = VARIANT_FEATURE_SETS[feature_set]
    out_dir = Path(out_dir)
    card_path = out_dir / CARD_NAME
    if not card_path.is_file():
        raise ModelError(f"no model card in {out_dir}: train the main network first (`python -m disco train`); "
                         "a variant reuses its split and is declared in its card")
    card = _read_card(card_path)
    if card.get("data_sha256") != catalog.sha256:
        raise ModelError(f"{card_path} was trained on other data ({card.get('data_source')}, sha256 "
                         f"{str(card.get('data_sha256'))[:12]}...; this catalog: {catalog.sha256[:12]}...): train "
                         "the main network on this data first so both share one split")
    split_ids = card.get("split_playlists")
    playlists = _playlist_indices(catalog)
    if not isinstance(split_ids, dict) or set(split_ids) != set(SPLITS):
        raise ModelError(f"{card_path} has no split_playlists: retrain the main network (`python -m disco train`)")
    unknown = [p for s in SPLITS for p in split_ids[s] if p not in playlists]
    if unknown:
        raise ModelError(f"{card_path} splits {len(unknown)} playlists the catalog lacks (first: {unknown[0]})")
    window = int(card.get("window", {}).get("length", 50))
    prefix = f"{feature_set}_"
    run = _train_networks(catalog, playlists, split_ids, features, out_dir, prefix=prefix, candidates=candidates,
                          epochs=epochs, patience=patience, seed=seed, batch_size=batch_size,
                          learning_rate=learning_rate, progress=progress, window=window)
    space, chosen = run["space"], run["chosen"]
    train_songs = catalog.songs.iloc[run["train_songs"]]
    scale = QuantileScale(features).fit(train_songs)
    scale.save(out_dir / (prefix + QUANTILES_SUFFIX))
    test = {p: playlists[p] for p in split_ids["test"]}
    stepper = RNNStepper.load(out_dir / f"{chosen['name']}.npz")
    cost = mapping_cost(stepper, space, scale, catalog.songs, test, window=window)
    entry = {
        "name": chosen["name"],
        "feature_set": feature_set,
        "features": list(features),
        "feature_space": prefix + FEATURE_SPACE_NAME,
        "chosen": chosen["name"],
        "scale": prefix + QUANTILES_SUFFIX,
        "scale_method": (f"DISCO-measured songs (measured_by starting {DISCO_AUDIO_PREFIX!r}): per feature, rank "
                         f"among the DISCO-measured songs being ordered, (rank - 0.5) / n, read off the catalog's "
                         f"{N_QUANTILES} quantiles of the unique train songs; other songs untouched"),
        "feature_space_fit_songs": space.n_fit_songs_,
        "split": run["split"],
        "test": run["test"],
        "candidates": run["candidates"],
        "chosen_by": "lowest validation MAE among candidates (test MAE reported, not used to choose)",
        "epochs": chosen["epochs"],
        "max_epochs": epochs, "patience": patience, "batch_size": batch_size, "learning_rate": learning_rate,
        "seed": seed,
        "mapping_cost": cost,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - started, 1),
        "versions": _versions(),
    }
    entry["verdict"] = verdict(entry)
    card = _read_card(card_path)  # re-read: keep whatever the card holds now, replace only this variant
    card["variants"] = [v for v in card.get("variants", []) if v.get("feature_set") != feature_set] + [entry]
    card_path.write_text(json.dumps(card, indent=1) + "\n")
    return entry


def _playlist_indices(catalog) -> dict:
    if not catalog.playlists:
        raise ModelError(f"{catalog.report.source} has no playlists: training needs playlists in order")
    return {pid: catalog.index_of(tids) for pid, tids in catalog.playlists.items()}


def _read_card(path: Path) -> dict:
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path} is not a readable model card ({exc})") from exc


def _train_networks(catalog, playlists: dict, split_ids: dict, features, out_dir: Path, prefix: str, candidates,
                    epochs: int, patience: int, seed: int, batch_size: int, learning_rate: float, progress: bool,
                    window: int) -> dict:
    """The shared steps: windows of the split, feature space on ``features`` fitted on the train songs, each
    candidate trained and exported as ``prefix + name``, baselines; the files go to ``out_dir``. Returns the
    space, the candidates' results, the chosen one (lowest validation MAE), split counts and test MAEs."""
    require_keras()
    from disco.model import network as nn

    windows = {s: make_windows({p: playlists[p] for p in split_ids[s]}, length=window) for s in SPLITS}
    for s in SPLITS:
        if len(windows[s]) == 0:
            raise ModelError(f"the {s} split has no playlist of 2+ songs ({len(playlists)} playlists in all); "
                             "training needs more playlists")

    train_songs = np.unique(np.concatenate([playlists[p] for p in split_ids["train"]]))
    space = FeatureSpace(features=features).fit(catalog.songs.iloc[train_songs])
    x = space.song_arrays(catalog.songs).x
    tensors = {s: window_tensors(windows[s], x) for s in SPLITS}
    _, Ytr, mtr = tensors["train"]
    Xte, Yte, mte = tensors["test"]
    global_mean = Ytr[mtr].mean(axis=0)
    baselines = baseline_maes(Xte, Yte, mte, global_mean)

    out_dir.mkdir(parents=True, exist_ok=True)
    space.save(out_dir / (prefix + FEATURE_SPACE_NAME))
    results = []
    for arch in candidates:
        name = prefix + arch
        nn.set_seed(seed)
        net = nn.build_model(arch, learning_rate=learning_rate, n_features=len(space.features))
        fit = nn.fit_model(net, tensors["train"], tensors["validation"], epochs=epochs, patience=patience,
                           batch_size=batch_size, progress=progress)
        # one predict call for validation + test: each new input shape costs a graph trace
        Xva = tensors["validation"][0]
        both = nn.predict(net, np.concatenate([Xva, Xte]))
        pred_val, pred_test = both[:len(Xva)], both[len(Xva):]
        net.save(out_dir / f"{name}.keras")
        nn.export_stepper(net, arch, out_dir / f"{name}.npz",
                          extra_meta={"name": name, "features": list(space.features)} if prefix else None)
        # the stepper must reproduce Keras on the test windows: record the worst gap in the card
        gap = np.abs(RNNStepper.load(out_dir / f"{name}.npz").run_batch(Xte, mte) - pred_test)[mte].max()
        results.append({
            "name": name, "architecture": nn.describe(arch, len(space.features)),
            "test_mae": masked_mae(pred_test, Yte, mte),
            "validation_mae": masked_mae(pred_val, *tensors["validation"][1:]), "epochs": fit["epochs"],
            "best_epoch": fit["best_epoch"], "parameters": int(net.count_params()),
            "stepper_max_abs_diff": float(gap),
        })
    chosen = min(results, key=lambda r: r["validation_mae"])
    split = {s: {"playlists": windows[s].n_playlists, "windows": len(windows[s]),
                 "transitions": windows[s].n_transitions,
                 "playlists_without_transition": windows[s].skipped_playlists} for s in SPLITS}
    test = {"mae": {"network": chosen["test_mae"], **baselines}, "mad": mad(Yte, mte),
            "network_mae_over_mad": chosen["test_mae"] / mad(Yte, mte)}
    return {"space": space, "candidates": results, "chosen": chosen, "split": split, "test": test,
            "train_songs": train_songs}


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


def require_keras() -> None:
    """A clear error when Keras is not installed: the dashboard's install leaves training out."""
    if importlib.util.find_spec("keras") is None:
        raise ModelError("training needs TensorFlow and Keras, which the dashboard's install leaves out: "
                         "pip install -c constraints.txt -e \".[train]\" (in the checkout)")


def _versions() -> dict:
    import keras
    import sklearn

    return {"python": platform.python_version(), "numpy": np.__version__, "keras": keras.__version__,
            "scikit-learn": sklearn.__version__}
