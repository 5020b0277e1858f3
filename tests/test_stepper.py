"""NumPy stepper (no TensorFlow): recurrence semantics, batching/beam rows, residual, files, FlowModel."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from disco.errors import ModelError
from disco.model.bundle import FlowModel
from disco.model.features import FeatureSpace
from disco.model.stepper import RNNStepper, save_stepper
from support import songgen

ROOT = Path(__file__).resolve().parent.parent


def random_network(kind: str = "gru", units: int = 6, residual: bool = False, seed: int = 0,
                   activation: str = "tanh") -> tuple[dict, dict]:
    """Meta and weights of a 2-layer network with random weights (the Keras layouts)."""
    rng = np.random.default_rng(seed)
    g = {"simple_rnn": 1, "gru": 3, "lstm": 4}[kind]
    meta = {"name": f"rand_{kind}", "input_dim": 9, "output_dim": 8, "residual": residual,
            "layers": [{"type": kind, "units": units, "activation": activation,
                        "recurrent_activation": "sigmoid"}] * 2}
    w, prev = {}, 9
    for i in range(2):
        w[f"layer{i}_kernel"] = rng.normal(0, 0.4, (prev, g * units))
        w[f"layer{i}_recurrent_kernel"] = rng.normal(0, 0.4, (units, g * units))
        w[f"layer{i}_bias"] = rng.normal(0, 0.1, (2, g * units) if kind == "gru" else (g * units,))
        prev = units
    w["dense_kernel"], w["dense_bias"] = rng.normal(0, 0.4, (units, 8)), rng.normal(0, 0.1, 8)
    return meta, w


def _inputs(T=12, B=1, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(B, T, 9)).astype(np.float32)
    X[..., 0] = rng.integers(0, 2, (B, T))
    return X


def test_linear_simple_rnn_recurrence_by_hand(tmp_path):
    # 1 unit: h_t = h_{t-1} + x_t[0] (a running sum of mode); second layer copies; y = h in every dim
    meta = {"name": "sum", "residual": False,
            "layers": [{"type": "simple_rnn", "units": 1, "activation": "linear"}] * 2}
    k0 = np.zeros((9, 1))
    k0[0, 0] = 1.0
    w = {"layer0_kernel": k0, "layer0_recurrent_kernel": np.ones((1, 1)), "layer0_bias": np.zeros(1),
         "layer1_kernel": np.ones((1, 1)), "layer1_recurrent_kernel": np.zeros((1, 1)), "layer1_bias": np.zeros(1),
         "dense_kernel": np.ones((1, 8)), "dense_bias": np.full(8, 0.5)}
    st = RNNStepper.load(save_stepper(tmp_path / "sum.npz", meta, w))
    X = np.zeros((5, 9), np.float32)
    X[:, 0] = [1, 0, 1, 1, 0]
    np.testing.assert_allclose(st.run(X)[:, 3], np.cumsum(X[:, 0]) + 0.5)


def test_gru_step_by_hand():
    # zero weights except candidate bias: z = r = 0.5, candidate tanh(b), h_t = 0.5 h + 0.5 tanh(b)
    meta, w = random_network("gru", units=2)
    for k in list(w):
        w[k] = np.zeros_like(w[k])
    w["layer0_bias"][0, 4:] = 1.0  # input bias of the candidate gate, units 0..1
    meta = {**meta, "layers": meta["layers"][:1]}
    w = {k: v for k, v in w.items() if not k.startswith("layer1")}
    w["dense_kernel"] = np.eye(2, 8)
    st = RNNStepper(meta, w)
    state = st.initial_state(1)
    h = 0.0
    for _ in range(3):
        state, y = st.step(state, np.zeros((1, 9)))
        h = 0.5 * h + 0.5 * np.tanh(1.0)
        np.testing.assert_allclose(y[0, :2], [h, h], rtol=1e-6)


@pytest.mark.parametrize("kind", ["simple_rnn", "gru", "lstm"])
def test_batch_rows_are_independent_and_selectable(kind):
    st = RNNStepper(*random_network(kind))
    X = _inputs(T=6, B=3)
    state = st.initial_state(3)
    assert all(s.shape[0] == 3 for s in state)
    outs = []
    for t in range(6):
        state, y = st.step(state, X[:, t])
        outs.append(y)
    outs = np.stack(outs, axis=1)
    for b in range(3):
        np.testing.assert_allclose(outs[b], st.run(X[b]), atol=1e-6)
    # beam selection: keep rows [2, 2, 0] and continue -> same as running those sequences
    picked = tuple(s[[2, 2, 0]] for s in state)
    nxt = _inputs(T=1, B=3, seed=9)[:, 0]
    _, y = st.step(picked, nxt)
    ref = np.stack([st.run(np.concatenate([X[b], nxt[i:i + 1]]))[-1] for i, b in enumerate([2, 2, 0])])
    np.testing.assert_allclose(y, ref, atol=1e-6)


def test_run_batch_with_mask_matches_run():
    st = RNNStepper(*random_network("gru", residual=True))
    X = _inputs(T=8, B=2)
    mask = np.ones((2, 8), bool)
    mask[1, 5:] = False
    X[1, 5:] = 0
    Y = st.run_batch(X, mask)
    np.testing.assert_allclose(Y[1, :5], st.run(X[1, :5]), atol=1e-6)
    np.testing.assert_allclose(Y[0], st.run(X[0]), atol=1e-6)


def test_residual_adds_running_mean():
    meta, w = random_network("gru", residual=True)
    w["dense_kernel"][:] = 0
    w["dense_bias"][:] = 0
    st = RNNStepper(meta, w)
    X = _inputs(T=7)[0]
    expected = np.cumsum(X[:, 1:], axis=0) / np.arange(1, 8)[:, None]
    np.testing.assert_allclose(st.run(X), expected, atol=1e-6)
    assert len(st.initial_state(4)) == 4  # h, h, running sum, count


def test_save_load_round_trip_and_errors(tmp_path):
    st = RNNStepper(*random_network("lstm"))
    path = st.save(tmp_path / "net.npz")
    loaded = RNNStepper.load(path)
    X = _inputs()[0]
    np.testing.assert_allclose(loaded.run(X), st.run(X), atol=1e-6)  # weights stored as float32
    assert loaded.name == "rand_lstm"
    with pytest.raises(ModelError, match="python -m disco train"):
        RNNStepper.load(tmp_path / "missing.npz")
    np.savez(tmp_path / "other.npz", meta=np.array(json.dumps({"format": "something else"})))
    with pytest.raises(ModelError, match="format"):
        RNNStepper.load(tmp_path / "other.npz")
    meta, w = random_network("gru")
    w["layer1_kernel"] = w["layer1_kernel"][:3]
    with pytest.raises(ModelError, match="shapes"):
        RNNStepper(meta, w)


def write_fake_models(folder: Path) -> None:
    """A models folder as `disco train` writes it, built without TensorFlow (random weights)."""
    frame = songgen.tidy_frame()
    FeatureSpace().fit(frame).save(folder / "feature_space.npz")
    for name, kind in (("net_a", "gru"), ("net_b", "simple_rnn")):
        meta, w = random_network(kind)
        save_stepper(folder / f"{name}.npz", {**meta, "name": name}, w)
    card = {"chosen": "net_a", "candidates": [{"name": "net_a", "test_mae": 0.5}, {"name": "net_b", "test_mae": 0.6}]}
    (folder / "model_card.json").write_text(json.dumps(card))


def test_flow_model_load_and_select(tmp_path, monkeypatch):
    write_fake_models(tmp_path)
    fm = FlowModel.load(tmp_path)
    assert fm.name == "net_a" and fm.stepper.name == "net_a" and fm.candidates == ["net_a", "net_b"]
    assert FlowModel.load(tmp_path, network="net_b").stepper.layers[0]["type"] == "simple_rnn"
    monkeypatch.setenv("DISCO_MODELS_DIR", str(tmp_path))
    assert FlowModel.load().name == "net_a"
    arrays = fm.song_arrays(songgen.tidy_frame())
    state, y = fm.stepper.step(fm.stepper.initial_state(1), arrays.x[:1])
    assert y.shape == (1, 8) and np.isfinite(y).all()
    with pytest.raises(ModelError, match="available: net_a, net_b"):
        FlowModel.load(tmp_path, network="nope")
    with pytest.raises(ModelError, match="python -m disco train"):
        FlowModel.load(tmp_path / "empty")


@pytest.mark.slow
def test_inference_never_imports_tensorflow(tmp_path):
    write_fake_models(tmp_path)
    code = (
        "import sys, numpy as np\n"
        "from disco.model.bundle import FlowModel\n"
        f"fm = FlowModel.load({str(tmp_path)!r})\n"
        "sys.path.insert(0, 'tests'); from support import songgen\n"
        "x = fm.song_arrays(songgen.tidy_frame()).x\n"
        "y = fm.stepper.run(x[:10])\n"
        "assert y.shape == (10, 8) and np.isfinite(y).all()\n"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, 'tensorflow was imported'\n"
        "print('ok')\n"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "ok"


def test_committed_models_load_without_tensorflow():
    if not (ROOT / "models" / "model_card.json").is_file():
        pytest.skip("models/ holds no trained model yet (run `python -m disco train`)")
    code = (
        "import sys, numpy as np\n"
        "from disco.model.bundle import FlowModel\n"
        f"fm = FlowModel.load({str(ROOT / 'models')!r})\n"
        "for name in fm.candidates:\n"
        "    st = FlowModel.load(" + repr(str(ROOT / "models")) + ", network=name).stepper\n"
        "    y = st.run(np.ones((5, 9), np.float32))\n"
        "    assert y.shape == (5, 8) and np.isfinite(y).all()\n"
        "assert 'tensorflow' not in sys.modules, 'tensorflow was imported'\n"
        "print(fm.name)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    card = json.loads((ROOT / "models" / "model_card.json").read_text())
    assert res.stdout.strip() == card["chosen"]
