"""The flow network in Keras: architectures, training with early stopping, export for the NumPy stepper.

TensorFlow/Keras are imported inside functions only: importing this module is cheap.

Architectures (input per step: mode + the ``n_features`` transformed features, 8 for the main network;
output: the next song's ``n_features``):

- ``reference``: the spec's Masking -> SimpleRNN(16, linear) x2 -> Dense(8, linear).
- ``gru``: Masking -> GRU(32, tanh) x2 -> Dense(8).
- ``gru_residual``: as ``gru``, but the Dense output is added to the running mean of the window's songs
  so far (the strong "playlist mean" baseline), so the network learns a correction to it.
- ``lstm``: Masking -> LSTM(32, tanh) x2 -> Dense(8).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from disco.errors import ModelError
from disco.model.stepper import save_stepper

ARCHITECTURES: dict[str, dict] = {
    "reference": {"layers": [("simple_rnn", 16, "linear")] * 2, "residual": False},
    "gru": {"layers": [("gru", 32, "tanh")] * 2, "residual": False},
    "gru_residual": {"layers": [("gru", 32, "tanh")] * 2, "residual": True},
    "lstm": {"layers": [("lstm", 32, "tanh")] * 2, "residual": False},
}
INPUT_DIM, OUTPUT_DIM = 9, 8  # the main network: mode + the 8 abstract features in, the 8 out


def describe(name: str, n_features: int = OUTPUT_DIM) -> str:
    """One line: the architecture ``name`` in words, e.g. 'Masking -> SimpleRNN(16, linear) x2 -> Dense(8)'."""
    arch = _arch(name)
    kinds = {"simple_rnn": "SimpleRNN", "gru": "GRU", "lstm": "LSTM"}
    parts = [f"{kinds[k]}({u}, {a})" for k, u, a in arch["layers"]]
    text = "Masking -> " + " -> ".join(parts) + f" -> Dense({n_features}, linear)"
    return text + (" + running mean of z so far" if arch["residual"] else "") + "; MAE, Adam"


def _arch(name: str) -> dict:
    if name not in ARCHITECTURES:
        raise ModelError(f"unknown network {name!r}; choose from {', '.join(ARCHITECTURES)}")
    return ARCHITECTURES[name]


_CUSTOM: dict = {}


def custom_objects() -> dict:
    """Keras custom layers of DISCO (registered once); pass to ``keras.models.load_model``."""
    if not _CUSTOM:
        import keras
        from keras import ops

        @keras.saving.register_keras_serializable(package="disco")
        class RunningMean(keras.layers.Layer):
            """Mean of z (input columns 1..) over the unmasked steps so far, current step included."""

            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.supports_masking = True

            def call(self, inputs, mask=None):
                z = inputs[..., 1:]
                m = ops.ones_like(z[..., :1]) if mask is None else ops.cast(mask, z.dtype)[..., None]
                total = ops.cumsum(z * m, axis=1)
                count = ops.maximum(ops.cumsum(m, axis=1), 1.0)
                return total / count

            def compute_output_shape(self, input_shape):
                return tuple(input_shape[:-1]) + (input_shape[-1] - 1,)

        _CUSTOM["RunningMean"] = RunningMean
    return dict(_CUSTOM)


def build_model(name: str = "reference", learning_rate: float = 1e-3, n_features: int = OUTPUT_DIM):
    """A compiled Keras model (MAE loss, Adam) for architecture ``name`` on ``n_features`` features;
    input (batch, time, 1 + n_features), output (batch, time, n_features)."""
    import keras

    arch = _arch(name)
    layer_types = {"simple_rnn": keras.layers.SimpleRNN, "gru": keras.layers.GRU, "lstm": keras.layers.LSTM}
    if n_features < 1:
        raise ModelError(f"a network needs at least one feature, got n_features={n_features}")
    inp = keras.Input(shape=(None, 1 + n_features), name="songs")
    masked = keras.layers.Masking(mask_value=0.0, name="masking")(inp)
    h = masked
    for i, (kind, units, act) in enumerate(arch["layers"]):
        h = layer_types[kind](units, activation=act, return_sequences=True, name=f"rnn{i}")(h)
    out = keras.layers.Dense(n_features, activation="linear", name="dense")(h)
    if arch["residual"]:
        mean = custom_objects()["RunningMean"](name="running_mean")(masked)
        out = keras.layers.Add(name="residual")([out, mean])
    model = keras.Model(inp, out, name=name)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss="mae")
    return model


def fit_model(model, train: tuple, validation: tuple, epochs: int = 200, patience: int = 15,
              batch_size: int = 32, progress: bool = True) -> dict:
    """Train on ``train = (X, Y, mask)`` with early stopping on ``validation`` loss (best weights restored).

    Returns ``{"epochs": run, "best_epoch": n, "val_loss": best}``.
    """
    import keras

    X, Y, mask = train
    Xv, Yv, mv = validation
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)
    callbacks = [stop]
    if progress:
        callbacks.append(_TqdmEpochs(epochs, model.name))
    history = model.fit(
        X, Y, sample_weight=mask.astype(np.float32), validation_data=(Xv, Yv, mv.astype(np.float32)),
        epochs=epochs, batch_size=batch_size, shuffle=True, verbose=0, callbacks=callbacks,
    )
    if progress:
        callbacks[-1].close()
    val = history.history["val_loss"]
    return {"epochs": len(val), "best_epoch": int(np.argmin(val)) + 1, "val_loss": float(np.min(val))}


class _TqdmEpochs:
    """A Keras callback showing one tqdm bar over epochs (built lazily so keras loads on demand)."""

    def __new__(cls, epochs: int, name: str):
        import keras
        from tqdm.auto import tqdm

        class Bar(keras.callbacks.Callback):
            def __init__(self):
                super().__init__()
                self.bar = tqdm(total=epochs, desc=f"train {name}", unit="epoch")

            def on_epoch_end(self, epoch, logs=None):
                logs = logs or {}
                self.bar.set_postfix(loss=f"{logs.get('loss', np.nan):.4f}",
                                     val=f"{logs.get('val_loss', np.nan):.4f}")
                self.bar.update(1)

            def close(self):
                self.bar.close()

        return Bar()


def predict(model, X: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Keras predictions (W, T, d) float32 for inputs ``X`` (W, T, 1 + d)."""
    return np.asarray(model.predict(X, batch_size=batch_size, verbose=0), dtype=np.float32)


def stepper_meta(model, name: str) -> dict:
    """The architecture of a model built by :func:`build_model`, as the stepper reads it."""
    arch = _arch(name)
    layers = []
    for i, (kind, units, act) in enumerate(arch["layers"]):
        layer = model.get_layer(f"rnn{i}")
        cfg = layer.get_config()
        spec = {"type": kind, "units": int(cfg["units"]), "activation": cfg["activation"]}
        if kind in ("gru", "lstm"):
            spec["recurrent_activation"] = cfg["recurrent_activation"]
        if kind == "gru" and not cfg.get("reset_after", True):
            raise ModelError("the NumPy stepper needs GRU(reset_after=True)")
        layers.append(spec)
    n_features = int(model.get_layer("dense").units)
    return {"name": name, "architecture": describe(name, n_features), "input_dim": 1 + n_features,
            "output_dim": n_features, "layers": layers, "residual": arch["residual"]}


def export_stepper(model, name: str, path: str | Path, extra_meta: dict | None = None) -> Path:
    """Write the model's weights and architecture to ``path`` (.npz) for :class:`disco.stepper.RNNStepper`."""
    weights = {}
    for i in range(len(_arch(name)["layers"])):
        kernel, recurrent, bias = model.get_layer(f"rnn{i}").get_weights()
        weights.update({f"layer{i}_kernel": kernel, f"layer{i}_recurrent_kernel": recurrent,
                        f"layer{i}_bias": bias})
    weights["dense_kernel"], weights["dense_bias"] = model.get_layer("dense").get_weights()
    return save_stepper(path, {**stepper_meta(model, name), **(extra_meta or {})}, weights)


def load_keras(path: str | Path):
    """Load a saved ``.keras`` network (with DISCO's custom layers)."""
    import keras

    path = Path(path)
    if not path.is_file():
        raise ModelError(f"Keras model {path} not found; run `python -m disco train`")
    return keras.models.load_model(path, custom_objects=custom_objects(), compile=False)


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and TensorFlow (Keras weight init, shuffling)."""
    import keras

    keras.utils.set_random_seed(int(seed))
