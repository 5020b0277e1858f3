"""Keras side: every architecture matches the NumPy stepper; `disco train` writes a usable models folder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from disco.data.catalog import Catalog, load_catalog
from disco.model.bundle import FlowModel
from disco.model.stepper import RNNStepper
from disco.model.windows import make_windows, window_tensors
from support import songgen

ROOT = Path(__file__).resolve().parent.parent
CARD_KEYS = {"data_sha256", "split", "test", "candidates", "chosen", "epochs", "seed", "created", "split_playlists",
             "verdict"}


@pytest.mark.slow
@pytest.mark.parametrize("name", ["reference", "gru", "gru_residual", "lstm"])
def test_stepper_matches_keras_random_weights(name, tmp_path):
    pytest.importorskip("keras")
    from disco.model.network import build_model, export_stepper, load_keras, predict, set_seed

    set_seed(1)
    net = build_model(name)
    rng = np.random.default_rng(0)
    # non-zero biases so every weight array matters
    net.set_weights([w + rng.normal(0, 0.1, w.shape).astype(np.float32) for w in net.get_weights()])
    net.save(tmp_path / "m.keras")
    st = RNNStepper.load(export_stepper(net, name, tmp_path / "m.npz"))
    X = rng.normal(size=(3, 20, 9)).astype(np.float32)
    X[..., 0] = rng.integers(0, 2, (3, 20))
    mask = np.ones((3, 20), bool)
    mask[1, 12:] = False
    X[1, 12:] = 0
    keras_y = predict(load_keras(tmp_path / "m.keras"), X)
    np.testing.assert_allclose(st.run_batch(X, mask)[mask], keras_y[mask], atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(st.run(X[1, :12]), keras_y[1, :12], atol=1e-5, rtol=1e-5)


@pytest.mark.slow
def test_train_smoke_writes_card_and_models(tmp_path):
    pytest.importorskip("keras")
    from disco.model.training import train

    catalog = Catalog.from_frame(songgen.tidy_frame(n_playlists=30, seed=2))
    card = train(catalog, tmp_path, candidates=["gru_residual"], epochs=1, seed=0, progress=False)
    on_disk = json.loads((tmp_path / "model_card.json").read_text())
    assert on_disk == json.loads(json.dumps(card))
    assert CARD_KEYS <= set(card)
    assert set(card["split"]) == {"train", "validation", "test"}
    assert set(card["test"]["mae"]) == {"network", "global_mean", "last_song", "playlist_mean"}
    ids = card["split_playlists"]
    assert sorted(ids["train"] + ids["validation"] + ids["test"]) == sorted(catalog.playlists)
    assert sum(card["split"][s]["playlists"] for s in ids) == 30
    assert [c["name"] for c in card["candidates"]] == ["gru_residual"]
    best = min(card["candidates"], key=lambda c: c["test_mae"])
    assert card["chosen"] == best["name"] and card["test"]["mae"]["network"] == best["test_mae"]
    assert card["data_sha256"] == catalog.sha256
    assert all(c["epochs"] == 1 and c["stepper_max_abs_diff"] < 1e-4 for c in card["candidates"])
    for name in ("gru_residual",):
        assert (tmp_path / f"{name}.keras").is_file()
        assert FlowModel.load(tmp_path, network=name).stepper.name == name
    # the card's test MAE is reproducible from the saved stepper and feature space
    fm = FlowModel.load(tmp_path)
    playlists = {p: catalog.index_of(catalog.playlists[p]) for p in ids["test"]}
    X, Y, mask = window_tensors(make_windows(playlists), fm.song_arrays(catalog).x)
    mae = float(np.abs(fm.stepper.run_batch(X, mask) - Y)[mask].mean())
    assert mae == pytest.approx(card["test"]["mae"]["network"], abs=1e-5)
    assert mask.sum() == card["split"]["test"]["transitions"]


def test_cli_rejects_unknown_candidate(tidy_csv, capsys):
    from disco.cli.main import main

    assert main(["train", "--data", str(tidy_csv), "--candidates", "reference,transformer"]) == 2
    assert "transformer" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.real_data
def test_committed_models_match_keras_on_real_test_playlists(real_csv):
    pytest.importorskip("keras")
    from disco.model.network import load_keras, predict

    if not (ROOT / "models" / "model_card.json").is_file():
        pytest.skip("models/ holds no trained model yet (run `python -m disco train`)")
    catalog = load_catalog(real_csv)
    card = json.loads((ROOT / "models" / "model_card.json").read_text())
    assert card["data_sha256"] == catalog.sha256, "models/ was trained on another data file"
    test_ids = card["split_playlists"]["test"]
    playlists = {p: catalog.index_of(catalog.playlists[p]) for p in test_ids[:20]}
    for c in card["candidates"]:
        fm = FlowModel.load(ROOT / "models", network=c["name"])
        X, Y, mask = window_tensors(make_windows(playlists), fm.song_arrays(catalog).x)
        keras_y = predict(load_keras(ROOT / "models" / f"{c['name']}.keras"), X)
        np.testing.assert_allclose(fm.stepper.run_batch(X, mask)[mask], keras_y[mask], atol=1e-5, rtol=1e-5)
    # the card's baselines are reproducible on all test playlists
    from disco.model.windows import baseline_maes

    fm = FlowModel.load(ROOT / "models")
    playlists = {p: catalog.index_of(catalog.playlists[p]) for p in test_ids}
    X, Y, mask = window_tensors(make_windows(playlists), fm.song_arrays(catalog).x)
    assert mask.sum() == card["split"]["test"]["transitions"]
    last = baseline_maes(X, Y, mask, np.zeros(8))["last_song"]
    assert last == pytest.approx(card["test"]["mae"]["last_song"], abs=1e-5)
    net = float(np.abs(fm.stepper.run_batch(X, mask) - Y)[mask].mean())
    assert net == pytest.approx(card["test"]["mae"]["network"], abs=1e-5)
