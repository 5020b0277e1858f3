"""The Model page's content from the model card, and the presets' scoring in words."""

from __future__ import annotations

import pandas as pd

from disco.engine.settings import EngineSettings
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


def card_tables(card: dict) -> dict[str, pd.DataFrame]:
    """The card as tables: "mae" (predictor, test MAE, MAE / MAD), "splits", "candidates"."""
    maes = card_maes(card)
    mad = card.get("test", {}).get("mad")
    mae = pd.DataFrame({"predictor": list(maes), "test MAE": list(maes.values())}).sort_values("test MAE")
    if mad:
        mae["MAE / MAD"] = mae["test MAE"] / mad
    splits = pd.DataFrame(card.get("split", {})).T.rename_axis("split").reset_index()
    return {"mae": mae.reset_index(drop=True), "splits": splits, "candidates": pd.DataFrame(card.get("candidates", []))}


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
