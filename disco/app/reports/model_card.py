"""The Model page's content from the model card, and the presets' scoring in words."""

from __future__ import annotations

import pandas as pd

from disco.engine.settings import EngineSettings
from disco.plots import names
from disco.theory.keys import CAMELOT_OTHER_LETTER, CAMELOT_SAME_LETTER
from disco.theory.tempo import TEMPO_TOLERANCE_PCT


def card_maes(card: dict) -> dict[str, float]:
    """Test MAE by predictor: every trained candidate ("network: <name>") and the card's baselines."""
    given = card.get("test", {}).get("mae", {})
    maes = {k: float(v) for k, v in given.items() if k != "network"}
    for c in card.get("candidates", []):
        if "test_mae" in c:
            maes[f"network: {c['name']}"] = float(c["test_mae"])
    if not any(k.startswith("network") for k in maes) and "network" in given:
        maes["network"] = float(given["network"])
    return maes


CANDIDATE_COLUMNS = {"name": "network", "architecture": "architecture", "test_mae": "test MAE",
                     "validation_mae": "validation MAE", "epochs": "epochs", "best_epoch": "best epoch",
                     "parameters": "parameters", "stepper_max_abs_diff": "NumPy vs Keras (max difference)"}
SPLIT_COLUMNS = {"split": "split", "playlists": "playlists", "windows": "training windows",
                 "transitions": "moves", "playlists_without_transition": "playlists without a move"}


def card_tables(card: dict) -> dict[str, pd.DataFrame]:
    """The card as tables, every name in words: "mae" (predictor, test MAE, MAE / MAD), "splits",
    "candidates"."""
    maes = card_maes(card)
    mad = card.get("test", {}).get("mad")
    mae = pd.DataFrame({"predictor": [names.predictor(k) for k in maes], "test MAE": list(maes.values())})
    mae = mae.sort_values("test MAE")
    if mad:
        mae["MAE / MAD"] = mae["test MAE"] / mad
    splits = pd.DataFrame(card.get("split", {})).T.rename_axis("split").reset_index().rename(columns=SPLIT_COLUMNS)
    candidates = pd.DataFrame(card.get("candidates", []))
    if "name" in candidates:
        candidates["name"] = candidates["name"].map(names.network)
    return {"mae": mae.reset_index(drop=True), "splits": splits,
            "candidates": candidates.rename(columns=CANDIDATE_COLUMNS)}


def verdict(card: dict, chosen: str) -> str | None:
    """The card's verdict in words: the chosen network's test MAE against the best baseline."""
    mae = card.get("test", {}).get("mae", {})
    baselines = {k: v for k, v in mae.items() if k != "network"}
    if "network" not in mae or not baselines:
        return None
    best = min(baselines, key=baselines.get)
    beats = mae["network"] < baselines[best]
    return (f"The chosen network ({names.network(chosen)}) predicts the next song with a test MAE of "
            f"{mae['network']:.4f}: {'better' if beats else 'no better'} than every baseline (the best, "
            f"{names.predictor(best).removeprefix('baseline: ')}, scores {baselines[best]:.4f}).")


def dj_scoring() -> str:
    """The default (DJ) preset's loss in words, with its values."""
    s = EngineSettings()
    same, other = CAMELOT_SAME_LETTER, CAMELOT_OTHER_LETTER
    return (f"**Default scoring: the DJ preset.** Each next song minimises flow ({s.flow:g}) x the distance to "
            f"the network's prediction scaled by spicy ({s.spicy:g}), minus sweetness ({s.sweetness:g}) x a "
            f"graded **Camelot key score** (same code {same[0]:g}, ±1 {same[1]:g}, A↔B {other[0]:g}, diagonal "
            f"{other[1]:g}, ±2 {same[2]:g}, anything else {same[3]:g}; the loss uses 2 x score - 1), minus "
            f"smoothness ({s.smoothness:g}) x a **DJ tempo kernel** (exp(-(change/{s.tempo_width_pct:g}%)²) after "
            f"folding double/half time: 2% is seamless, {TEMPO_TOLERANCE_PCT:g}% the edge of what a DJ can "
            f"beat-match). It searches with a beam of {s.beam_width} partial playlists.")


def reference_scoring() -> str:
    """The reference preset (the spec's algorithm) in words, with its values."""
    s = EngineSettings.from_preset("reference")
    return (f"**The reference preset** is the spec's algorithm exactly: circle-of-fifths key similarity, the "
            f"cosine tempo similarity cos(2π log2 ratio), flow {s.flow:g}, sweetness {s.sweetness:g}, smoothness "
            f"{s.smoothness:g}, spicy {s.spicy:g}, {s.search} search. Pick either preset on Build and Reorder.")
