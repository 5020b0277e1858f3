"""The evaluation's words and files: what each number means, the plain-text report, and the JSON on disk."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Mapping

import numpy as np

from disco.evaluation.settings import ORDERING_METRICS
from disco.theory.tempo import TEMPO_TOLERANCE_PCT

SLIDER_HELP = {
    "flow": "weight of the distance to the network's predicted next song: higher = follow the learned flow, "
            "smaller feature steps, fewer key/tempo matches",
    "sweetness": "weight of the key score (DJ preset: the graded Camelot wheel; reference: circle of fifths): "
                 "higher = more harmonic moves",
    "smoothness": "weight of the tempo score (DJ preset: exp(-(change/4%)^2) after folding double/half time; "
                  "reference: cosine of the log2 ratio): higher = steadier tempo",
    "spicy": "scales the prediction up (the network under-estimates): higher = bolder steps in feature space",
}

DEFINITIONS = {
    "hit_at_10": "share of test transitions whose true next song ranks in the top 10 of 100 candidates "
                 "(the true song + 99 random songs from other playlists)",
    "mrr": "mean of 1/rank of the true next song among those 100 candidates",
    "r_precision": "given a playlist's first 5 songs, rank its last 10 (G) among G + 990 random songs from "
                   "other playlists; |G in the top 10| / 10 (RecSys Challenge 2018); playlists < 15 songs "
                   "are skipped, its middle songs are not candidates",
    "camelot_rate": "share of consecutive moves that are Camelot-compatible (same code, +/-1, or A<->B)",
    "tempo_rate": f"share of moves within {TEMPO_TOLERANCE_PCT:g}% tempo after folding double/half time",
    "feature_step": "mean ||z_next - z|| over moves (8 transformed features)",
    "energy_change": "mean |energy_next - energy| over moves (raw energy, 0..1)",
    "total_loss": "the REFERENCE loss (the spec's algorithm: the reference preset) summed over a playlist's "
                  "moves, mean over playlists; the same fixed loss for every method",
    "loss_per_transition": "the reference loss per move (all moves pooled)",
    "total_loss_dj": "the DJ preset's loss (DISCO's default) summed over a playlist's moves, mean over playlists",
    "loss_per_transition_dj": "the DJ preset's loss per move (all moves pooled)",
    "relaxed_rate": "disco_dj_rules only: share of moves that broke a hard rule because no remaining song met it",
    "step_ratio": "builds: mean feature step / the reference scoring's on the same seeds and pools",
    "peak_share": "builds: share of builds whose middle third's mean raw energy is above both outer thirds "
                  "(thirds: the first and last n // 3 songs, the middle the rest)",
    "arc_error": "builds with an arc: mean |energy - target| over the added songs (raw energy)",
    "ties": "ties in a ranking are broken at random (seeded)",
}


def _table(title: str, rows: list[list], header: list[str]) -> str:
    cells = [header] + [[c if isinstance(c, str) else f"{c:.3f}" for c in r] for r in rows]
    widths = [max(len(str(r[i])) for r in cells) for i in range(len(header))]
    lines = [title]
    for j, r in enumerate(cells):
        lines.append("  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                               for i, (c, w) in enumerate(zip(r, widths))))
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt_rate(x) -> str:
    return "-" if x is None or not np.isfinite(x) else f"{x:.3f}"


def _builds_report(b: Mapping) -> str:
    info = b["info"]
    title = (f"4. Builds: {info['seeds']} random seeds from the test songs, {info['pool']} pools, "
             f"{info['length']} songs (peak arc weight {info['peak_arc_weight']:g}); x ref = step / the "
             "reference's (spec: greedy)")
    cols = ["camelot_rate", "tempo_rate", "feature_step", "step_ratio", "energy_change", "peak_share"]
    rows = [[name, r.get("search", "greedy"), f"{r['sweetness']:g} / {r['smoothness']:g}"] + [r[k] for k in cols]
            + [" / ".join(f"{t:.2f}" for t in r["thirds"]), str(r["relaxed_moves"])]
            for name, r in b["rows"].items()]
    lines = [_table(title, rows, ["scoring", "search", "sweet/smooth", "camelot", "tempo", "step", "x ref",
                                  "energy", "peak ok", "energy thirds", "relaxed"])]
    lines += [c["line"] for c in b["checks"]]
    grid = [[f"{r['sweetness']:g}", f"{r['smoothness']:g}"] + [r[k] for k in cols[:4]] for r in b["grid"]]
    if grid:
        lines.append("")
        lines.append(_table("   sweetness x smoothness under the DJ preset's scoring (choose the defaults)", grid,
                            ["sweetness", "smoothness", "camelot", "tempo", "step", "x ref"]))
    return "\n".join(lines)


def format_report(result: Mapping) -> str:
    """The result as plain-text tables (what ``python -m disco evaluate`` prints)."""
    parts = []
    pred = result.get("prediction") or {}
    if "mae" in pred:
        rows = [[k, v, pred.get("mae_over_mad", {}).get(k, float("nan"))] for k, v in pred["mae"].items()]
        title = "1. Next-song prediction (test MAE on transformed features; from the model card"
        title += f", test MAD {pred['mad']:.3f})" if "mad" in pred else ")"
        parts.append(_table(title, rows, ["predictor", "MAE", "MAE/MAD"]))
    elif pred:
        parts.append(f"1. Next-song prediction: {pred.get('note', 'n/a')}")
    if "retrieval" in result:
        info = result.get("retrieval_info", {})
        title = (f"2. Next-song retrieval ({info.get('transitions', '?')} test transitions, "
                 f"{info.get('candidates', '?')} candidates each; R-precision on "
                 f"{info.get('rprec_playlists', '?')} playlists, {info.get('rprec_candidates', '?')} candidates; "
                 "disco = DJ preset loss, disco_reference = the spec's loss)")
        rows = [[m, v["hit_at_10"], v["mrr"], v["r_precision"]] for m, v in result["retrieval"].items()]
        parts.append(_table(title, rows, ["method", "hit@10", "MRR", "R-prec"]))
    head = ["camelot", "tempo", "step", "energy", "loss/pl ref", "loss/move ref", "loss/pl dj", "loss/move dj"]
    if "ordering" in result:
        info = result.get("ordering_info", {})
        title = (f"3. Ordering each test playlist's own songs ({info.get('playlists', '?')} playlists, "
                 f"{info.get('moves', '?')} moves; 'ref' = the spec's reference loss, 'dj' = the DJ preset's loss, "
                 "both fixed for every method)")
        rows = [[m] + [v[k] for k in ORDERING_METRICS[:-1]] + [_fmt_rate(v.get("relaxed_rate"))]
                for m, v in result["ordering"].items()]
        parts.append(_table(title, rows, ["method"] + head + ["relaxed"]))
    if result.get("builds"):
        parts.append(_builds_report(result["builds"]))
    if result.get("sensitivity"):
        rows = [[r["slider"], f"{r['value']:g}" + (" *" if r.get("is_default") else "")]
                + [r[k] for k in ORDERING_METRICS[:-1]] for r in result["sensitivity"]]
        parts.append(_table("5. Slider sensitivity (disco_greedy, DJ preset scoring; one slider moved, others at "
                            "the preset; * = default)", rows, ["slider", "value"] + head))
        help_lines = [f"  {k}: {v}" for k, v in result.get("slider_help", SLIDER_HELP).items()]
        why = (result.get("sensitivity_info") or {}).get("choose_defaults")
        parts[-1] += "\n" + "\n".join(help_lines + ([f"  defaults: {why}"] if why else []))
    return "\n\n".join(parts)


def format_runtime(result: Mapping) -> str:
    """One line on how long the evaluation took, in all and per section ("" when not recorded)."""
    runtime = result.get("runtime") or {}
    if "total_s" not in runtime:
        return ""
    secs = ", ".join(f"{k} {v:.1f}s" for k, v in runtime.get("sections_s", {}).items())
    return f"runtime {runtime['total_s']:.1f}s ({secs})"


def json_ready(value):
    """``value`` with NumPy scalars as Python numbers, tuples as lists and NaN / inf as None (JSON has no
    NaN), so results compare with ``==`` and save as strict JSON."""
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if isinstance(value, np.generic):
        return json_ready(value.item())
    return value


def save_result(result: Mapping, path: str | Path) -> Path:
    """Write ``result`` as JSON (NaN -> null), creating the folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(json_ready(dict(result)), indent=2) + "\n")
    return path


def load_result(path: str | Path) -> dict:
    """Read a saved evaluation JSON (:func:`save_result`'s)."""
    path = Path(path)
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not an evaluation result (not JSON: {exc})") from exc
