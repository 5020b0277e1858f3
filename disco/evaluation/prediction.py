"""Next-song prediction: the network's test MAE against its baselines, as the model card reports them."""

from __future__ import annotations

import json
from typing import Mapping


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
