"""Runtime of ``python -m disco evaluate`` per section on the real data (budget: whole run < 5 minutes).

    DISCO_DATA_DIR=../shared/data .venv/bin/python bench/bench_evaluate.py [--quick] [--seed 0]

Prints one row per section (seconds) and the total; needs a trained model (``python -m disco train``).
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from disco.evaluation import EvalSettings, evaluate, load_inputs  # noqa: E402

BUDGET_S = 300.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    t0 = time.perf_counter()
    catalog, arrays, predictor, test_ids, card = load_inputs()
    load_s = time.perf_counter() - t0
    settings = EvalSettings.for_run(seed=args.seed, quick=args.quick)
    result = evaluate(catalog, arrays, predictor, test_ids, card=card, settings=settings, progress=True)
    total = load_s + result["runtime"]["total_s"]
    s = result["settings"]
    builds = result["builds"]
    print(f"evaluate ({'quick' if args.quick else 'full'}): {s['test_playlists']} test playlists, "
          f"{s['test_songs']} songs, {result['retrieval_info']['transitions']} transitions, "
          f"{builds['info']['seeds']} build seeds x {len(builds['rows']) + len(builds['grid'])} "
          f"scorings, {len(result['sensitivity'])} slider settings")
    print(f"{'section':<14}{'seconds':>10}")
    print(f"{'load':<14}{load_s:>10.2f}")
    for name, secs in result["runtime"]["sections_s"].items():
        print(f"{name:<14}{secs:>10.2f}")
    print(f"{'total':<14}{total:>10.2f}   budget {BUDGET_S:.0f} s: {'OK' if total < BUDGET_S else 'OVER'}")


if __name__ == "__main__":
    main()
