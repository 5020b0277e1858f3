"""The settings record (disco.engine.settings.EngineSettings): presets, validation, records, hashing.

The spec's loss under ``from_preset("reference")`` is checked move by move in test_loss.py."""

import json
import math

import pytest

from disco.engine.settings import CUSTOM, DJ_ARTIST_GAP, MAX_BEAM_WIDTH, PRESETS, RULES, SEARCHES, EngineSettings
from disco.theory.arcs import Arc
from disco.theory.keys import KEY_SCORES
from disco.theory.tempo import DJ_TEMPO_WIDTH_PCT, TEMPO_SCORES


def test_defaults_are_the_dj_preset():
    s = EngineSettings()
    assert s == EngineSettings.from_preset("dj") == EngineSettings.from_preset()
    assert s.preset == "dj"
    # the DJ preset: graded Camelot key score, the DJ tempo kernel, beam search, no artist within a few songs,
    # no arc
    assert (s.key_score, s.tempo_score, s.search) == ("camelot", "dj", "beam")
    assert s.tempo_width_pct == DJ_TEMPO_WIDTH_PCT
    assert s.active_rules == ("artist_gap",) and s.artist_gap == DJ_ARTIST_GAP >= 2
    assert s.arc is None and not s.uses_arc
    assert 1 <= s.beam_width <= MAX_BEAM_WIDTH
    assert s != EngineSettings.from_preset("reference")


def test_reference_preset_is_the_spec():
    r = EngineSettings.from_preset("reference")
    assert r.preset == "reference"
    # spec section 3: flow 1, sweetness 1, smoothness 1, spicy 1.2; circle of fifths, cosine tempo, greedy
    assert (r.flow, r.sweetness, r.smoothness, r.spicy) == (1.0, 1.0, 1.0, 1.2)
    assert (r.key_score, r.tempo_score, r.search) == ("reference", "reference", "greedy")
    assert r.active_rules == () and r.artist_gap == 0 and r.arc is None
    assert EngineSettings().spicy == 1.2 and EngineSettings().flow == 1.0


def test_preset_is_custom_after_a_change_and_back_after_undoing_it():
    s = EngineSettings.from_preset("dj", sweetness=1.0)
    assert s.preset == CUSTOM
    assert EngineSettings().replace(arc=Arc.named("peak")).preset == CUSTOM
    assert EngineSettings().replace(camelot_only=True).preset == CUSTOM
    assert EngineSettings.from_preset("reference", search="beam").preset == CUSTOM
    assert s.replace(sweetness=EngineSettings().sweetness).preset == "dj"
    # a preset's values reached by hand are that preset
    ref = EngineSettings.from_preset("reference")
    by_hand = EngineSettings(sweetness=1.0, smoothness=1.0, key_score="reference", tempo_score="reference",
                             search="greedy", artist_gap=0)
    assert by_hand == ref and by_hand.preset == "reference"
    assert set(PRESETS) == {"dj", "reference"}
    with pytest.raises(ValueError, match="preset"):
        EngineSettings.from_preset("club")


@pytest.mark.parametrize("arc", [None, Arc.named("peak"), Arc.named("waves", 0.3, 0.8, cycles=2),
                                 Arc.from_points([(0, 0.3), (0.5, 0.9), (1, 0.4)], valence=[(0, 0.2), (1, 0.8)],
                                                 interp="cubic", name="my_arc.json")])
def test_to_dict_from_dict_round_trip_through_json(arc):
    s = EngineSettings(flow=1.3, sweetness=0.2, smoothness=0.0, spicy=1.5, key_score="reference", tempo_score="dj",
                       tempo_width_pct=5.0, camelot_only=True, max_bpm_change=6.0, artist_gap=1,
                       arc=arc, arc_weight=2.5, fit_arc=False, search="greedy", beam_width=3)
    record = json.loads(json.dumps(s.to_dict()))
    assert record["preset"] == CUSTOM and record["max_bpm_change"] == 6.0 and record["key_score"] == "reference"
    back = EngineSettings.from_dict(record)
    assert back == s and hash(back) == hash(s) and back.key() == s.key()
    if arc is not None:
        assert record["arc"]["name"] == arc.name and back.arc.targets(7).tolist() == arc.targets(7).tolist()
    for preset in PRESETS:
        p = EngineSettings.from_preset(preset)
        assert EngineSettings.from_dict(json.loads(json.dumps(p.to_dict()))) == p
        assert p.to_dict()["preset"] == preset


def test_from_dict_rejects_unknown_keys_and_ignores_the_preset_label():
    record = EngineSettings().to_dict()
    with pytest.raises(ValueError, match="unknown settings"):
        EngineSettings.from_dict({**record, "sweetnes": 1.0})
    # the label is derived from the values, never trusted
    assert EngineSettings.from_dict({**record, "preset": "reference"}) == EngineSettings()
    assert EngineSettings.from_dict({"sweetness": 1.0}) == EngineSettings(sweetness=1.0)


def test_hashable_and_usable_as_a_key():
    a = EngineSettings(arc=Arc.named("waves"), camelot_only=True)
    b = EngineSettings(arc=Arc.named("waves"), camelot_only=True)
    assert a == b and hash(a) == hash(b)
    cache = {a: 1, EngineSettings(): 2, EngineSettings.from_preset("reference"): 3}
    assert cache[b] == 1 and len(cache) == 3
    assert a.key() == b.key() and a.key() != EngineSettings().key()
    with pytest.raises(AttributeError):
        a.flow = 2.0  # frozen


def test_numbers_are_normalised():
    s = EngineSettings(flow=1, sweetness=0, beam_width=4, max_bpm_change=6)
    assert isinstance(s.flow, float) and isinstance(s.sweetness, float) and isinstance(s.max_bpm_change, float)
    assert s == EngineSettings(flow=1.0, sweetness=0.0, beam_width=4, max_bpm_change=6.0)


def test_active_rules_in_relaxation_order():
    s = EngineSettings(artist_gap=1, camelot_only=True, max_bpm_change=0.0)
    assert s.active_rules == RULES == ("camelot_only", "max_bpm_change", "artist_gap")
    assert EngineSettings(artist_gap=1).active_rules == ("artist_gap",)
    assert EngineSettings(artist_gap=0).active_rules == ()
    # 0% is a rule, None is off
    assert EngineSettings(max_bpm_change=0.0, artist_gap=0).active_rules == ("max_bpm_change",)


def test_uses_arc_needs_an_arc_and_a_weight():
    assert EngineSettings(arc=Arc.named("build")).uses_arc
    assert not EngineSettings(arc=Arc.named("build"), arc_weight=0.0).uses_arc
    assert not EngineSettings(arc_weight=3.0).uses_arc


@pytest.mark.parametrize("name", ["flow", "sweetness", "smoothness", "spicy", "arc_weight"])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), -1.0, -1e-9, 101.0, "1", True, None])
def test_rejects_non_finite_negative_or_non_numeric_weights(name, value):
    with pytest.raises(ValueError, match=name):
        EngineSettings(**{name: value})


@pytest.mark.parametrize("kwargs, match", [
    ({"spicy": 0.0}, "spicy"),
    ({"beam_width": 0}, "beam_width"),
    ({"beam_width": MAX_BEAM_WIDTH + 1}, "beam_width"),
    ({"beam_width": 2.5}, "beam_width"),
    ({"beam_width": True}, "beam_width"),
    ({"key_score": "fifths"}, "key_score"),
    ({"tempo_score": "cos"}, "tempo_score"),
    ({"search": "astar"}, "search"),
    ({"tempo_width_pct": 0.0}, "tempo_width_pct"),
    ({"tempo_width_pct": float("nan")}, "tempo_width_pct"),
    ({"tempo_width_pct": 51.0}, "tempo_width_pct"),
    ({"max_bpm_change": -1.0}, "percent"),
    ({"max_bpm_change": float("nan")}, "percent"),
    ({"max_bpm_change": 101.0}, "percent"),
    ({"arc": "peak"}, "arc"),
])
def test_rejects_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        EngineSettings(**kwargs)
    with pytest.raises(ValueError, match=match):
        EngineSettings().replace(**kwargs)  # replace validates too
    with pytest.raises(ValueError, match=match):
        EngineSettings.from_preset("reference", **kwargs)


def test_accepts_the_edges():
    EngineSettings(flow=0.0, sweetness=0.0, smoothness=0.0, arc_weight=0.0)
    EngineSettings(flow=100.0, spicy=1e-6, beam_width=1)
    EngineSettings(beam_width=MAX_BEAM_WIDTH, max_bpm_change=0.0, tempo_width_pct=50.0)
    assert set(KEY_SCORES) == {"camelot", "reference"} and set(TEMPO_SCORES) == {"dj", "reference"}
    assert set(SEARCHES) == {"greedy", "beam"} and not math.isnan(EngineSettings(max_bpm_change=100).max_bpm_change)
