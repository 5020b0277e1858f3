"""Benchmark: Keras vs the NumPy stepper for next-song prediction, and import+load times.

    python bench/bench_model.py [--models models/] [--network NAME] [--repeat 50]

Keras is run many-to-one the way it would be without a stepper: the whole playlist so far (10 songs)
each step. The stepper carries its state and feeds one song per step. Import+load times are measured in
fresh processes.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def _fresh(code: str) -> float:
    """Seconds reported by ``code`` run in a new interpreter (it prints one float)."""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def _per_call(fn, repeat: int) -> float:
    fn()  # warm up (graph tracing, caches)
    t = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - t) / repeat * 1e3


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", type=Path, default=ROOT / "models")
    ap.add_argument("--network", default=None, help="network name (default: the card's chosen one)")
    ap.add_argument("--repeat", type=int, default=50)
    args = ap.parse_args()

    from disco.model.bundle import FlowModel

    fm = FlowModel.load(args.models, network=args.network)
    name = fm.name
    keras_path = args.models / f"{name}.keras"
    load_stepper = (
        "import time; t = time.perf_counter(); from disco.model.bundle import FlowModel; "
        f"FlowModel.load({str(args.models)!r}, network={name!r}); print(time.perf_counter() - t)"
    )
    load_keras = (
        "import time; t = time.perf_counter(); from disco.model.network import load_keras; "
        f"load_keras({str(keras_path)!r}); print(time.perf_counter() - t)"
    )
    t_stepper = _fresh(load_stepper)
    t_keras = _fresh(load_keras)

    from disco.model.network import load_keras as keras_loader

    net = keras_loader(keras_path)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1, 10, 9)).astype(np.float32)
    X[..., 0] = rng.integers(0, 2, (1, 10))
    st = fm.stepper
    state1 = st.initial_state(1)
    for t in range(9):
        state1, _ = st.step(state1, X[:, t])
    beams = 64
    state64 = tuple(np.repeat(s, beams, axis=0) for s in state1)
    x64 = np.repeat(X[:, 9], beams, axis=0)

    rows = [
        ("keras model.predict (10-song playlist)", _per_call(lambda: net.predict(X, verbose=0), args.repeat)),
        ("keras model(x) direct call", _per_call(lambda: net(X, training=False), args.repeat)),
        ("numpy stepper.step, batch 1", _per_call(lambda: st.step(state1, X[:, 9]), args.repeat * 20)),
        (f"numpy stepper.step, batch {beams} (beams)", _per_call(lambda: st.step(state64, x64), args.repeat * 20)),
    ]
    base = rows[2][1]
    print(f"network: {name} ({st.meta.get('architecture', '')})")
    print(f"{'what':44s} {'ms/step':>10s} {'x stepper':>10s}")
    for what, ms in rows:
        print(f"{what:44s} {ms:10.4f} {ms / base:10.1f}")
    print()
    print(f"{'import + load (fresh process)':44s} {'seconds':>10s}")
    print(f"{'disco.model.bundle FlowModel.load (NumPy, no TF)':44s} {t_stepper:10.3f}")
    print(f"{'keras import + load_model (.keras)':44s} {t_keras:10.3f}")


if __name__ == "__main__":
    main()
