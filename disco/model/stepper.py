"""NumPy inference for the trained flow network, one song at a time (no TensorFlow).

The ``.npz`` written by :func:`disco.model.network.export_stepper` holds a JSON ``meta`` (architecture) and the
weights: ``layer{i}_kernel`` (in, g*units), ``layer{i}_recurrent_kernel`` (units, g*units),
``layer{i}_bias`` and ``dense_kernel`` (units, 8), ``dense_bias`` (8,). Supported recurrent layers, with
Keras 3 semantics: ``simple_rnn`` (any activation), ``gru`` (gates z, r, h; ``reset_after=True``: bias
(2, 3u) = input and recurrent biases), ``lstm`` (gates i, f, c, o). With ``residual`` the Dense output
is added to the running mean of the songs' ``z`` so far.

State: a tuple of (batch, k) arrays (per layer ``h``, plus ``c`` for LSTM; for residual models a running sum
(batch, 8) and count (batch, 1)), so a beam keeps rows ``tuple(s[idx] for s in state)``. The stepper computes in
float64 (matches Keras to ~1e-6); :meth:`RNNStepper.with_dtype` gives a float32 copy, about twice as fast on
large batches and within ~1e-5 of it, for searches that only rank orders (the reported loss stays float64).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from disco.errors import ModelError
from disco.model.arrays import State

FORMAT = "disco-rnn-1"
_GATES = {"simple_rnn": 1, "gru": 3, "lstm": 4}


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (np.tanh(0.5 * x) + 1.0)  # overflow-free logistic


_ACTIVATIONS = {
    "linear": lambda x: x, None: lambda x: x, "tanh": np.tanh, "sigmoid": _sigmoid,
    "relu": lambda x: np.maximum(x, 0.0),
}


def _activation(name: str | None):
    if name not in _ACTIVATIONS:
        raise ModelError(f"activation {name!r} is not supported by the NumPy stepper")
    return _ACTIVATIONS[name]


class RNNStepper:
    """Runs a stacked RNN + Dense from NumPy weights; implements :class:`disco.model.arrays.Predictor`."""

    def __init__(self, meta: dict, weights: dict[str, np.ndarray], dtype=np.float64):
        self.meta = meta
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.dtype(np.float64), np.dtype(np.float32)):
            raise ValueError(f"the stepper computes in float64 or float32, not {self.dtype}")
        self.layers = []
        prev = int(meta.get("input_dim", 9))
        for i, spec in enumerate(meta["layers"]):
            kind, units = spec["type"], int(spec["units"])
            if kind not in _GATES:
                raise ModelError(f"layer type {kind!r} is not supported by the NumPy stepper")
            g = _GATES[kind]
            k = np.asarray(weights[f"layer{i}_kernel"], self.dtype)
            u = np.asarray(weights[f"layer{i}_recurrent_kernel"], self.dtype)
            b = np.asarray(weights[f"layer{i}_bias"], self.dtype)
            if k.shape != (prev, g * units) or u.shape != (units, g * units):
                raise ModelError(f"layer {i} ({kind}) weights have shapes {k.shape}, {u.shape}; "
                                 f"expected {(prev, g * units)}, {(units, g * units)}")
            if kind == "gru" and b.ndim == 1:  # reset_after=False is not what Keras 3 builds by default
                raise ModelError("GRU with reset_after=False is not supported by the NumPy stepper")
            self.layers.append({
                "type": kind, "units": units, "kernel": k, "recurrent": u, "bias": b,
                "act": _activation(spec.get("activation", "tanh")),
                "ract": _activation(spec.get("recurrent_activation", "sigmoid")),
            })
            prev = units
        self.dense_kernel = np.asarray(weights["dense_kernel"], self.dtype)
        self.dense_bias = np.asarray(weights["dense_bias"], self.dtype)
        if self.dense_kernel.shape[0] != prev:
            raise ModelError(f"dense kernel has {self.dense_kernel.shape[0]} inputs, last layer has {prev} units")
        self.residual = bool(meta.get("residual", False))
        self.output_dim = self.dense_kernel.shape[1]

    def with_dtype(self, dtype) -> "RNNStepper":
        """The same network computing in ``dtype`` (float32: faster, ~1e-5 from float64; for ranking only)."""
        return self if np.dtype(dtype) == self.dtype else RNNStepper(self.meta, self.weights(), dtype)

    @property
    def name(self) -> str:
        return str(self.meta.get("name", "network"))

    # -- persistence -----------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path) -> "RNNStepper":
        """Read a stepper ``.npz``; :class:`ModelError` when missing or not a DISCO network."""
        path = Path(path)
        if not path.is_file():
            raise ModelError(f"network weights {path} not found; run `python -m disco train` to create them")
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                weights = {k: data[k] for k in data.files if k != "meta"}
        except (KeyError, ValueError, OSError) as exc:
            raise ModelError(f"{path} is not a DISCO network file ({exc})") from exc
        if meta.get("format") != FORMAT:
            raise ModelError(f"{path} has format {meta.get('format')!r}, expected {FORMAT!r}; retrain with "
                             "`python -m disco train`")
        try:
            return cls(meta, weights)
        except KeyError as exc:
            raise ModelError(f"{path} lacks weight array {exc}") from exc

    def save(self, path: str | Path) -> Path:
        return save_stepper(path, self.meta, self.weights())

    def weights(self) -> dict[str, np.ndarray]:
        out = {}
        for i, layer in enumerate(self.layers):
            out[f"layer{i}_kernel"] = layer["kernel"]
            out[f"layer{i}_recurrent_kernel"] = layer["recurrent"]
            out[f"layer{i}_bias"] = layer["bias"]
        out["dense_kernel"], out["dense_bias"] = self.dense_kernel, self.dense_bias
        return out

    # -- inference -------------------------------------------------------------------------------
    def initial_state(self, batch: int = 1) -> State:
        """Zero state for ``batch`` sequences."""
        state = []
        for layer in self.layers:
            state.append(np.zeros((batch, layer["units"]), self.dtype))
            if layer["type"] == "lstm":
                state.append(np.zeros((batch, layer["units"]), self.dtype))
        if self.residual:
            state += [np.zeros((batch, self.output_dim), self.dtype), np.zeros((batch, 1), self.dtype)]
        return tuple(state)

    def step(self, state: State, x: np.ndarray) -> tuple[State, np.ndarray]:
        """Feed one song per sequence: ``x`` (batch, 9) -> (new state, predicted next ``z`` (batch, 8) float32)."""
        x = np.atleast_2d(np.asarray(x, dtype=self.dtype))
        h_in, new, pos = x, [], 0
        for layer in self.layers:
            h = state[pos]
            pre = h_in @ layer["kernel"]
            kind = layer["type"]
            if kind == "simple_rnn":
                h = layer["act"](pre + layer["bias"] + h @ layer["recurrent"])
                new.append(h)
                pos += 1
            elif kind == "gru":
                units = layer["units"]
                xb = pre + layer["bias"][0]
                hb = h @ layer["recurrent"] + layer["bias"][1]
                zr = layer["ract"](xb[:, :2 * units] + hb[:, :2 * units])  # both gates in one call
                z, r = zr[:, :units], zr[:, units:]
                cand = layer["act"](xb[:, 2 * units:] + r * hb[:, 2 * units:])
                h = cand + z * (h - cand)  # = z * h + (1 - z) * cand
                new.append(h)
                pos += 1
            else:  # lstm
                units, c = layer["units"], state[pos + 1]
                g = pre + h @ layer["recurrent"] + layer["bias"]
                i = layer["ract"](g[:, :units])
                f = layer["ract"](g[:, units:2 * units])
                c = f * c + i * layer["act"](g[:, 2 * units:3 * units])
                h = layer["ract"](g[:, 3 * units:]) * layer["act"](c)
                new += [h, c]
                pos += 2
            h_in = h
        y = h_in @ self.dense_kernel + self.dense_bias
        if self.residual:
            total, count = state[pos] + x[:, 1:], state[pos + 1] + 1.0
            new += [total, count]
            y = y + total / count
        return tuple(new), y.astype(np.float32)

    def run(self, X: np.ndarray) -> np.ndarray:
        """Predictions after each song of one sequence: ``X`` (T, 9) -> ``Y`` (T, 8)."""
        X = np.asarray(X)
        state = self.initial_state(1)
        out = np.empty((len(X), self.output_dim), np.float32)
        for t in range(len(X)):
            state, y = self.step(state, X[t:t + 1])
            out[t] = y[0]
        return out

    def run_batch(self, X: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """Predictions for padded sequences ``X`` (B, T, 9) -> (B, T, 8); masked steps keep the state."""
        X = np.asarray(X)
        B, T = X.shape[:2]
        state = self.initial_state(B)
        out = np.zeros((B, T, self.output_dim), np.float32)
        for t in range(T):
            new, y = self.step(state, X[:, t])
            if mask is not None:
                m = mask[:, t][:, None]
                new = tuple(np.where(m, n, s) for n, s in zip(new, state))
            state, out[:, t] = new, y
        return out


def save_stepper(path: str | Path, meta: dict, weights: dict[str, np.ndarray]) -> Path:
    """Write ``meta`` (JSON) and float32 ``weights`` to ``path`` (.npz, no pickle)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {**meta, "format": FORMAT}
    with open(path, "wb") as fh:
        np.savez(fh, meta=np.array(json.dumps(meta)),
                 **{k: np.asarray(v, np.float32) for k, v in weights.items()})
    return path
