"""The evaluation pipeline: negatives, the loss it ranks by, orders, the JSON it writes, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from disco import evaluation
from disco.cli.main import main as cli_main
from disco.data.catalog import load_catalog
from disco.engine.loss import Loss
from disco.engine.score import order_totals, score_order
from disco.engine.settings import EngineSettings
from disco.evaluation import metrics
from disco.evaluation.builds import build_stats, choose_defaults, target_checks
from disco.evaluation.inputs import playlist_indices
from disco.evaluation.ordering import method_orders, order_stats
from disco.evaluation.report import json_ready
from disco.evaluation.retrieval import candidate_scores, draw_negatives, move_losses
from disco.evaluation.sensitivity import slider_values
from disco.evaluation.settings import (
    DISCO_METHODS,
    ORDERING_METHODS,
    RETRIEVAL_METHODS,
    SLIDERS,
    distance_settings,
    method_settings,
    preset_settings,
)
from disco.model.arrays import predictions
from disco.model.baselines import PlaylistMeanPredictor
from disco.model.features import FeatureSpace
from disco.plots import names
from disco.theory.tempo import TEMPO_TOLERANCE_PCT
from support.fakes import LinearRNN, make_arrays

EVALUATE_VIEW = str(Path(__file__).resolve().parent.parent / "disco" / "app" / "views" / "evaluate.py")
QUICK = evaluation.EvalSettings.for_run(seed=0, quick=True)


@pytest.fixture
def made_up(tidy_csv):
    catalog = load_catalog(tidy_csv, cache=False)
    arrays = FeatureSpace().fit(catalog.songs).song_arrays(catalog.songs)
    test_ids = sorted(catalog.playlists)[:5]
    return catalog, arrays, test_ids


# --- retrieval: negatives and the loss it ranks by --------------------------------------------------------


def test_negatives_never_include_the_playlists_own_songs():
    rng = np.random.default_rng(0)
    pool = np.arange(300)
    own = np.array([3, 50, 51, 52, 299, 7])
    neg = draw_negatives(rng, pool, own, n_rows=200, n=99)
    assert neg.shape == (200, 99)
    assert not np.isin(neg, own).any()
    assert all(len(np.unique(r)) == 99 for r in neg)  # distinct within a row
    assert np.isin(neg, pool).all()
    again = draw_negatives(np.random.default_rng(0), pool, own, n_rows=200, n=99)
    np.testing.assert_array_equal(neg, again)


def test_negatives_too_few_songs_is_an_error():
    with pytest.raises(ValueError, match="only 2 songs"):
        draw_negatives(np.random.default_rng(0), np.arange(5), np.arange(3), 1, 4)


@pytest.mark.parametrize("method", ["disco", "disco_reference", "disco_distance"])
def test_candidate_scores_are_the_engines_loss(method):
    # per-row candidate sets scored by the evaluation = Loss.moves over every song, read at those columns
    arrays = make_arrays(200, seed=1)
    rng = np.random.default_rng(2)
    m, c = 30, 12
    y = rng.normal(size=(m, 8))
    last = rng.integers(0, 200, m)
    cands = np.stack([rng.choice(200, c, replace=False) for _ in range(m)])  # rows overlap, unsorted
    settings = {"disco": preset_settings()["dj"], "disco_reference": preset_settings()["reference"],
                "disco_distance": distance_settings()}[method]
    got = candidate_scores(method, y, last, cands, arrays, np.zeros(200), rng)
    expected = Loss(settings, arrays, dtype=np.float64).moves(y, last, cols=cands)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    if method == "disco_distance":
        np.testing.assert_allclose(got, np.linalg.norm(1.2 * y[:, None, :] - arrays.z[cands], axis=-1), rtol=1e-6)


@pytest.mark.parametrize("preset", ["dj", "reference"])
def test_a_playlists_true_next_song_scores_its_move_loss(preset):
    # the loss retrieval gives the true next song = that move's loss when the engine scores the playlist
    arrays, predictor = make_arrays(120, seed=3), LinearRNN(seed=4)
    settings = EngineSettings.from_preset(preset, sweetness=0.8, smoothness=1.5)
    order = np.array([4, 17, 9, 30, 2, 77])
    pl = score_order(order, settings, arrays=arrays, predictor=predictor, n_seeds=1)
    ys = predictions(predictor, arrays, order)[0]
    for i in range(1, len(order)):
        got = move_losses(settings, arrays, ys[i - 1:i], order[i - 1:i], order[None, i:i + 1])
        assert got[0, 0] == pytest.approx(pl.loss[i], rel=1e-9)


@pytest.mark.parametrize("preset", ["dj", "reference"])
def test_order_totals_are_the_summed_move_losses(preset):
    arrays, predictor = make_arrays(80, seed=5), LinearRNN(seed=6)
    settings = preset_settings()[preset].without_rules()  # the loss alone, as order_stats scores orders
    assert not settings.active_rules
    rng = np.random.default_rng(7)
    orders = np.stack([rng.permutation(80)[:9] for _ in range(5)])
    totals = order_totals(orders, settings, arrays=arrays, predictor=predictor, n_fixed=1)
    each = [score_order(o, settings, arrays=arrays, predictor=predictor, n_seeds=1) for o in orders]
    # the fake network runs in float32: a batch of orders and one order at a time may round differently
    # (OpenBLAS picks its kernel by shape), so equal to float32 precision
    np.testing.assert_allclose(totals, [float(np.sum(p.loss[1:])) for p in each], rtol=1e-6)
    np.testing.assert_allclose(totals, [p.total_loss for p in each], rtol=1e-6)


def test_popularity_finds_popular_targets(made_up):
    # one test playlist whose songs are the only popular ones: popularity ranks its true next song first
    catalog, arrays, test_ids = made_up
    own = catalog.index_of(catalog.playlists[test_ids[0]])
    pop = np.zeros(len(catalog))
    pop[own] = 50 + np.arange(len(own))  # distinct: no ties
    catalog.songs["popularity"] = pop
    res = evaluation.evaluate(catalog, arrays, PlaylistMeanPredictor(), test_ids[:1], settings=QUICK,
                              sections=("retrieval",))
    assert res["retrieval"]["popularity"]["hit_at_10"] == 1.0
    assert res["retrieval"]["popularity"]["mrr"] == 1.0
    assert res["retrieval"]["popularity"]["r_precision"] == 1.0
    assert res["retrieval_info"]["transitions"] == len(own) - 1


# --- what each DISCO method runs with ---------------------------------------------------------------------


def test_every_configuration_is_engine_settings():
    assert method_settings("disco_greedy", 4) == EngineSettings.from_preset("dj", search="greedy", beam_width=4)
    assert method_settings("disco_beam_reference", 8) == EngineSettings.from_preset("reference", search="beam",
                                                                                   beam_width=8)
    rules = method_settings("disco_dj_rules", 8)
    assert rules.camelot_only and rules.max_bpm_change == TEMPO_TOLERANCE_PCT and rules.search == "greedy"
    assert rules.replace(camelot_only=False, max_bpm_change=None, search="beam",
                         beam_width=EngineSettings().beam_width) == EngineSettings()
    assert distance_settings() == EngineSettings(sweetness=0.0, smoothness=0.0)
    assert {name: s.preset for name, s in preset_settings().items()} == {"dj": "dj", "reference": "reference"}
    with pytest.raises(ValueError, match="not a DISCO ordering method"):
        method_settings("human", 8)


def test_slider_grid_keeps_spicy_above_zero():
    assert slider_values("spicy", (0.0, 1.0, 4.0), 1.2) == [1.0, 1.2, 4.0]
    assert slider_values("flow", (0.0, 1.0, 4.0), 1.0) == [0.0, 1.0, 4.0]
    for slider in SLIDERS:  # every value is one the settings record takes
        for v in slider_values(slider, QUICK.grid, getattr(EngineSettings(), slider)):
            EngineSettings().replace(**{slider: v})


# --- ordering -------------------------------------------------------------------------------------------


def test_playlist_indices_dedupes_and_reports_missing():
    playlists = {"a": ["x", "y", "x", "z"], "b": ["z"]}
    lookup = {"x": 0, "y": 1, "z": 2}
    found, missing = playlist_indices(playlists, lambda ids: np.array([lookup[i] for i in ids]), ["a", "nope"])
    np.testing.assert_array_equal(found["a"], [0, 1, 2])
    assert missing == ["nope"]


def test_orders_are_permutations_from_the_human_first_song(made_up):
    catalog, arrays, test_ids = made_up
    p = catalog.index_of(catalog.playlists[test_ids[0]])
    orders, relaxed = method_orders(p, arrays, PlaylistMeanPredictor(), QUICK, np.random.default_rng(0),
                                    ORDERING_METHODS)
    assert set(orders) == set(ORDERING_METHODS)
    assert set(relaxed) == set(DISCO_METHODS)
    for name, o in orders.items():
        assert o[0] == p[0], name
        assert sorted(o.tolist()) == sorted(p.tolist()), name
    np.testing.assert_array_equal(orders["human"], p)


def test_ordering_losses_are_the_fixed_reference_and_dj_losses(made_up):
    # total_loss of every method = the reference loss of its order; total_loss_dj = the DJ preset's loss
    catalog, arrays, test_ids = made_up
    p = catalog.index_of(catalog.playlists[test_ids[0]])
    energy = catalog.songs["energy"].to_numpy()
    predictor = PlaylistMeanPredictor()
    orders, relaxed = method_orders(p, arrays, predictor, QUICK, np.random.default_rng(0),
                                    ("human", "disco_greedy_reference"))
    stats = order_stats(orders, arrays, energy, predictor, QUICK)
    for m in ("human", "disco_greedy_reference"):
        for preset, i in (("reference", 1), ("dj", 2)):
            pl = score_order(orders[m], preset_settings()[preset], arrays=arrays, predictor=predictor, n_seeds=1)
            assert stats[m][i] == pytest.approx(pl.total_loss, rel=1e-9)
    assert relaxed == {"disco_greedy_reference": 0}


@pytest.mark.slow
def test_rules_method_counts_relaxed_moves(made_up):
    catalog, arrays, test_ids = made_up
    res = evaluation.evaluate(catalog, arrays, PlaylistMeanPredictor(), test_ids, settings=QUICK,
                              sections=("ordering",))
    rows = res["ordering"]
    rules = rows["disco_dj_rules"]
    assert 0 <= rules["relaxed_rate"] <= 1
    # with rules, every move either meets both (Camelot and <= 6%) or is counted as relaxed
    assert rules["camelot_rate"] >= 1 - rules["relaxed_rate"] - 1e-9
    assert rules["tempo_rate"] >= 1 - rules["relaxed_rate"] - 1e-9
    assert all(np.isnan(r["relaxed_rate"]) for m, r in rows.items() if m != "disco_dj_rules")
    assert "reference loss" in res["ordering_info"]["loss"]


# --- the whole run, its report and its files --------------------------------------------------------------


@pytest.mark.slow
def test_quick_evaluation_has_every_key_and_sane_values(made_up):
    catalog, arrays, test_ids = made_up
    card = {"test": {"mae": {"network": 0.6, "global_mean": 0.8, "last_song": 0.85, "playlist_mean": 0.65},
                     "mad": 0.85}, "chosen": "gru"}
    predictor = PlaylistMeanPredictor()
    res = evaluation.evaluate(catalog, arrays, predictor, test_ids + ["not-a-playlist"], card=card, settings=QUICK)
    assert set(res["retrieval"]) == set(RETRIEVAL_METHODS)
    assert set(res["ordering"]) == set(ORDERING_METHODS)
    for row in res["retrieval"].values():
        assert set(row) >= {"hit_at_10", "mrr", "r_precision"}
        assert 0 <= row["hit_at_10"] <= 1 and 0 < row["mrr"] <= 1 and 0 <= row["r_precision"] <= 1
    for row in res["ordering"].values():
        assert set(row) >= {"camelot_rate", "tempo_rate", "feature_step", "energy_change", "total_loss"}
        assert 0 <= row["camelot_rate"] <= 1 and 0 <= row["tempo_rate"] <= 1
    # beam search keeps the better of beam and greedy, and reorder starts from beam then only improves:
    # never a higher loss (the DJ preset's, which all three optimise), playlist by playlist
    o = res["ordering"]
    assert o["disco_beam"]["total_loss_dj"] <= o["disco_greedy"]["total_loss_dj"] + 1e-9
    assert o["disco_reorder"]["total_loss_dj"] <= o["disco_beam"]["total_loss_dj"] + 1e-9
    assert {r["slider"] for r in res["sensitivity"]} == set(SLIDERS)
    assert res["prediction"]["mae_over_mad"]["network"] == pytest.approx(0.6 / 0.85)
    assert res["settings"]["test_playlists"] == 5 and res["settings"]["test_playlists_missing"] == 1
    assert res["settings"]["presets"]["dj"] == EngineSettings().to_dict()
    assert res["settings"]["tempo_tolerance_pct"] == TEMPO_TOLERANCE_PCT
    # the human order's numbers are those of the playlists as listed
    sums = [metrics.transition_counts(arrays.key[p], arrays.mode[p], arrays.tempo[p], arrays.z[p],
                                      catalog.songs["energy"].to_numpy()[p])
            for p in (catalog.index_of(catalog.playlists[i]) for i in test_ids)]
    moves = sum(s["moves"] for s in sums)
    assert res["ordering"]["human"]["camelot_rate"] == pytest.approx(sum(s["camelot"] for s in sums) / moves)
    assert res["ordering"]["human"]["feature_step"] == pytest.approx(sum(s["feature_step"] for s in sums) / moves)
    # deterministic with a seed (json_ready: NaN -> None, so == works)
    again = evaluation.evaluate(catalog, arrays, predictor, test_ids + ["not-a-playlist"], card=card,
                                settings=QUICK)
    assert json_ready(evaluation.without_runtime(again)) == json_ready(evaluation.without_runtime(res))
    assert set(res["runtime"]["sections_s"]) == set(evaluation.SECTIONS)


def test_unknown_section_is_a_clear_error(made_up):
    catalog, arrays, test_ids = made_up
    with pytest.raises(ValueError, match="unknown evaluation sections"):
        evaluation.evaluate(catalog, arrays, PlaylistMeanPredictor(), test_ids, sections=("retreival",))


@pytest.mark.slow
def test_report_and_json_round_trip(made_up, tmp_path):
    catalog, arrays, test_ids = made_up
    res = evaluation.evaluate(catalog, arrays, PlaylistMeanPredictor(), test_ids, settings=QUICK)
    text = evaluation.format_report(res)
    for name in RETRIEVAL_METHODS + ORDERING_METHODS:
        assert name in text
    path = evaluation.save_result(res, tmp_path / "sub" / "e.json")
    back = evaluation.load_result(path)
    assert back["ordering"]["human"]["camelot_rate"] == pytest.approx(res["ordering"]["human"]["camelot_rate"])
    assert back["settings"]["presets"]["reference"] == EngineSettings.from_preset("reference").to_dict()
    assert EngineSettings.from_dict(back["settings"]["presets"]["dj"]) == EngineSettings()
    (tmp_path / "bad.json").write_text("not json")
    with pytest.raises(ValueError, match="not an evaluation result"):
        evaluation.load_result(tmp_path / "bad.json")


def test_default_json_path_is_beside_the_model(tmp_path, monkeypatch):
    monkeypatch.setenv("DISCO_MODELS_DIR", str(tmp_path))
    assert evaluation.default_json_path() == tmp_path / "evaluation.json"


@pytest.mark.slow
def test_cli_quick_writes_json(made_up, tmp_path, monkeypatch, capsys):
    catalog, arrays, test_ids = made_up
    monkeypatch.setattr(evaluation, "load_inputs",
                        lambda: (catalog, arrays, PlaylistMeanPredictor(), test_ids, {}))
    out = tmp_path / "out.json"
    assert cli_main(["evaluate", "--quick", "--no-progress", "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert {"retrieval", "ordering", "sensitivity", "prediction", "settings", "runtime"} <= set(data)
    assert data["settings"]["quick"] is True
    assert "hit@10" in capsys.readouterr().out


def test_cli_without_a_model_is_one_clear_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DISCO_MODELS_DIR", str(tmp_path / "empty"))
    assert cli_main(["evaluate", "--quick", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "python -m disco train" in err and "Traceback" not in err


@pytest.mark.slow
def test_the_command_line_evaluation_never_imports_streamlit():
    code = ("import pkgutil, sys, disco.evaluation, disco.cli.evaluate\n"
            "for m in pkgutil.iter_modules(disco.evaluation.__path__):\n"
            "    __import__('disco.evaluation.' + m.name)\n"
            "assert 'streamlit' not in sys.modules, 'streamlit imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.slow
def test_quick_evaluation_on_real_data(real_csv, trained_model):
    catalog = load_catalog(real_csv)
    arrays = trained_model.song_arrays(catalog)
    res = evaluation.evaluate(catalog, arrays, trained_model.stepper, trained_model.card["split_playlists"]["test"],
                              card=trained_model.card, settings=QUICK, sections=("retrieval", "ordering"))
    assert res["settings"]["test_playlists_missing"] == 0
    # ranking by anything sensible beats chance on real playlists (genre-coherent)
    assert res["retrieval"]["nearest_neighbour"]["mrr"] > res["retrieval"]["random"]["mrr"]
    assert res["ordering"]["camelot_bpm"]["camelot_rate"] > res["ordering"]["random"]["camelot_rate"]


# --- the dashboard's Evaluate view --------------------------------------------------------------------------


@pytest.mark.slow
def test_evaluate_page_shows_saved_results(made_up, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    catalog, arrays, test_ids = made_up
    res = evaluation.evaluate(catalog, arrays, PlaylistMeanPredictor(), test_ids, settings=QUICK)
    evaluation.save_result(res, tmp_path / "evaluation.json")
    monkeypatch.setenv("DISCO_MODELS_DIR", str(tmp_path))
    at = AppTest.from_file(EVALUATE_VIEW, default_timeout=60).run()
    assert not at.exception
    # the only red boxes are the targets' FAIL lines
    assert [e.value for e in at.error] == [c["line"] for c in res["builds"]["checks"] if not c["passed"]]
    heads = [s.value for s in at.subheader]
    assert any("retrieval" in h for h in heads) and any("slider" in h for h in heads)
    assert any("Builds" in h for h in heads)
    # one PASS/FAIL box per target, as the JSON says
    lines = [e.value for e in at.success] + [e.value for e in at.error]
    assert sorted(lines) == sorted(c["line"] for c in res["builds"]["checks"])
    assert any("Why these defaults" in m.value for m in at.markdown)
    # the retrieval table: one row per method, named in words
    wanted = {names.method(m) for m in RETRIEVAL_METHODS}
    shown = [set(t.value.index) for t in at.table]
    assert any(wanted <= rows for rows in shown), shown


def test_evaluate_page_without_results_says_how_to_make_them(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("DISCO_MODELS_DIR", str(tmp_path))
    at = AppTest.from_file(EVALUATE_VIEW, default_timeout=60).run()
    assert not at.exception
    assert any("python -m disco evaluate" in w.value for w in at.warning)


# --- builds: the DJ targets ---------------------------------------------------------------------------------


def _row(camelot, tempo, step):
    return {"camelot_rate": camelot, "tempo_rate": tempo, "feature_step": step}


def test_target_checks_pass_at_the_boundaries_and_fail_just_below():
    ref = _row(0.55, 0.70, 2.0)
    peak = {"peak_share": 0.9, "thirds": [0.6, 0.8, 0.65]}
    checks = target_checks(_row(0.80, 0.85, 2.2), ref, peak)  # exactly on every target
    assert [c["target"] for c in checks] == ["camelot_rate", "tempo_rate", "step_ratio", "peak_share"]
    assert all(c["passed"] for c in checks)
    assert all(c["line"].startswith("PASS: ") for c in checks)
    assert checks[2]["value"] == pytest.approx(1.10)
    assert "0.600 / 0.800 / 0.650" in checks[3]["line"]
    assert "within 6% tempo" in checks[1]["line"]
    low = target_checks(_row(0.79, 0.849, 2.21), ref, {"peak_share": 0.85, "thirds": [0.6, 0.7, 0.6]})
    assert [c["passed"] for c in low] == [False, False, False, False]
    assert all(c["line"].startswith("FAIL: ") for c in low)
    assert low[2]["value"] == pytest.approx(1.105)


def test_target_checks_a_smaller_step_than_the_reference_passes():
    checks = target_checks(_row(0.9, 0.9, 1.5), _row(0.5, 0.7, 2.0))
    assert len(checks) == 3  # no peak row: no peak check
    assert checks[2]["passed"] and checks[2]["value"] == pytest.approx(0.75)


def test_choose_defaults_takes_the_best_camelot_rate_within_the_budgets():
    grid = [dict(_row(0.90, 0.95, 2.5), sweetness=1.0, smoothness=1.0),  # step 1.25 x: over budget
            dict(_row(0.86, 0.84, 2.1), sweetness=1.0, smoothness=0.4),  # tempo below 85%
            dict(_row(0.83, 0.87, 2.15), sweetness=0.7, smoothness=0.6),
            dict(_row(0.81, 0.90, 2.05), sweetness=0.5, smoothness=0.8)]
    chosen = choose_defaults(grid, reference_step=2.0)
    assert (chosen["sweetness"], chosen["smoothness"]) == (0.7, 0.6)
    assert chosen["meets_targets"] and chosen["shortfall"] == 0
    # nothing meets all three: the smallest summed relative shortfall wins
    # row 0: step (1.25 - 1.1) / 1.1 = 0.136; row 1: tempo (0.85 - 0.84) / 0.85 = 0.0118
    closest = choose_defaults(grid[:2], reference_step=2.0)
    assert not closest["meets_targets"] and closest["smoothness"] == 0.4
    assert closest["shortfall"] == pytest.approx(0.01 / 0.85)
    assert choose_defaults([], reference_step=2.0) is None


def test_build_stats_pools_moves_and_counts_peaks(made_up):
    _, arrays, _ = made_up
    energy = np.zeros(len(arrays))
    peaked, flat = np.arange(0, 9), np.arange(9, 18)
    energy[peaked] = [0.2, 0.3, 0.4, 0.9, 0.8, 0.7, 0.3, 0.2, 0.1]  # thirds 0.3 / 0.8 / 0.2
    energy[flat] = 0.5
    out = build_stats([peaked, flat], arrays, energy)
    assert out["builds"] == 2 and out["moves"] == 16
    assert out["peak_share"] == pytest.approx(0.5)
    assert out["thirds"] == pytest.approx([0.4, 0.65, 0.35])
    c1 = metrics.transition_counts(arrays.key[peaked], arrays.mode[peaked], arrays.tempo[peaked],
                                   arrays.z[peaked], energy[peaked])
    c2 = metrics.transition_counts(arrays.key[flat], arrays.mode[flat], arrays.tempo[flat], arrays.z[flat],
                                   energy[flat])
    assert out["camelot_rate"] == pytest.approx((c1["camelot"] + c2["camelot"]) / 16)
    assert out["feature_step"] == pytest.approx((c1["feature_step"] + c2["feature_step"]) / 16)
    assert out["tempo_rate"] == pytest.approx((c1["tempo"] + c2["tempo"]) / 16)


def test_builds_section_on_made_up_data(made_up):
    catalog, arrays, test_ids = made_up
    res = evaluation.evaluate(catalog, arrays, PlaylistMeanPredictor(), test_ids, settings=QUICK,
                              sections=("builds",))
    b = res["builds"]
    assert set(b["rows"]) == {"dj", "reference", "dj_greedy", "reference_beam", "dj_peak", "reference_peak"}
    # each preset with its own search: DISCO's default (dj) uses beam, the spec's reference greedy
    assert b["rows"]["dj"]["search"] == "beam" and b["rows"]["reference"]["search"] == "greedy"
    assert b["rows"]["dj_greedy"]["search"] == "greedy" and b["rows"]["reference_beam"]["search"] == "beam"
    assert b["info"]["seeds"] == QUICK.n_builds
    assert b["rows"]["reference"]["step_ratio"] == pytest.approx(1.0)
    for r in b["rows"].values():
        assert r["builds"] == QUICK.n_builds and 0 <= r["peak_share"] <= 1
    assert [c["target"] for c in b["checks"]] == ["camelot_rate", "tempo_rate", "step_ratio", "peak_share",
                                                  "step_ratio_same_search"]
    same = b["checks"][-1]
    assert same["value"] == pytest.approx(b["rows"]["dj"]["feature_step"]
                                          / b["rows"]["reference_beam"]["feature_step"])
    assert len(b["grid"]) == len(QUICK.build_grid_sweetness) * len(QUICK.build_grid_smoothness)
    text = evaluation.format_report(res)
    assert "4. Builds" in text and ("PASS:" in text or "FAIL:" in text)
