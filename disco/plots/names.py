"""What the evaluation's and the model card's code names are called on screen: the one mapping every title,
legend, axis and table of the Evaluate and Model pages reads (``disco_beam_reference`` -> "DISCO, reference
scoring, beam search"). A name missing here is shown with its underscores as spaces.
"""

from __future__ import annotations

from disco.theory.tempo import TEMPO_TOLERANCE_PCT

METHODS = {  # orderings and next-song rankers of the evaluation
    "disco": "DISCO, DJ scoring",
    "disco_reference": "DISCO, reference scoring",
    "disco_distance": "DISCO, feature distance only",
    "disco_greedy": "DISCO, DJ scoring, greedy",
    "disco_beam": "DISCO, DJ scoring, beam search",
    "disco_reorder": "DISCO reorder, DJ scoring",
    "disco_greedy_reference": "DISCO, reference scoring, greedy",
    "disco_beam_reference": "DISCO, reference scoring, beam search",
    "disco_dj_rules": "DISCO, DJ scoring + hard rules",
    "nearest_neighbour": "nearest neighbour",
    "camelot_bpm": "Camelot key, then closest BPM",
    "popularity": "most popular songs",
    "random": "random",
    "human": "human order",
}
BUILDS = {  # the evaluation's build settings
    "dj": "DJ preset (default)",
    "reference": "reference (the spec's)",
    "dj_greedy": "DJ preset, greedy",
    "reference_beam": "reference, beam search",
    "dj_peak": "DJ preset + peak arc",
    "reference_peak": "reference + peak arc",
}
MEASURES = {  # the evaluation's measures
    "hit_at_10": "hit@10",
    "mrr": "mean reciprocal rank",
    "r_precision": "R-precision",
    "camelot_rate": "Camelot-compatible moves",
    "tempo_rate": f"tempo within {TEMPO_TOLERANCE_PCT:g}%",
    "feature_step": "mean feature step",
    "energy_change": "mean |energy change|",
    "total_loss": "reference loss / playlist",
    "loss_per_transition": "reference loss / move",
    "total_loss_dj": "DJ-preset loss / playlist",
    "loss_per_transition_dj": "DJ-preset loss / move",
    "relaxed_rate": "moves relaxing a rule",
    "step_ratio": "step x reference",
    "peak_share": "peak shape (share of builds)",
    "relaxed_moves": "relaxed moves",
    "arc_error": "|energy - arc target|",
}
NETWORKS = {  # trained networks of the model card
    "reference": "SimpleRNN (the reference design)",
    "gru": "GRU",
    "gru_residual": "GRU + running mean",
    "audio_reference": "SimpleRNN on 3 audio features",
    "audio_gru": "GRU on 3 audio features",
    "audio_gru_residual": "GRU + running mean, 3 audio features",
}
PREDICTORS = {  # the model card's baselines
    "network": "the network",
    "global_mean": "baseline: the average song",
    "last_song": "baseline: the same song again",
    "playlist_mean": "baseline: the playlist's average so far",
}


def plain_name(code) -> str:
    """A code name shown as words: its underscores as spaces."""
    return str(code).replace("_", " ")


def method(code) -> str:
    return METHODS.get(code, plain_name(code))


def build(code) -> str:
    return BUILDS.get(code, plain_name(code))


def measure(code) -> str:
    return MEASURES.get(code, plain_name(code))


def network(code) -> str:
    return NETWORKS.get(code, plain_name(code))


def predictor(code) -> str:
    """A model card predictor: a baseline, "network", or "network: <name>" (a trained candidate)."""
    code = str(code)
    if code.startswith("network: "):
        return f"network: {network(code.removeprefix('network: '))}"
    return PREDICTORS.get(code, plain_name(code))
