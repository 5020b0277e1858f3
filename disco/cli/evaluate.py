"""``python -m disco evaluate``: how good DISCO's playlists are, on the model card's test playlists."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EVALUATION_NAME = "evaluation.json"  # the file name under models/ (disco.evaluation.default_json_path)


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "evaluate",
        help="measure DISCO against baselines on the test playlists (prediction, retrieval, ordering, DJ builds, "
             "sliders)",
        description="Evaluate the trained model on the model card's TEST playlists: next-song prediction, "
        "next-song retrieval (hit@10, MRR, R-precision), the flow of re-ordered playlists (DISCO's DJ preset "
        "and the spec's reference scoring) against DJ-style baselines and the human order, the DJ targets on "
        "20 fresh builds (PASS/FAIL), and what each slider does. Prints tables and "
        f"writes JSON (full runs: to models/{EVALUATION_NAME} unless --json is given).",
    )
    p.add_argument("--json", type=Path, default=None, metavar="FILE",
                   help=f"write the results here (default for full runs: models/{EVALUATION_NAME}; "
                        "--quick runs write only when this is given)")
    p.add_argument("--quick", action="store_true",
                   help="a smoke run: 12 test playlists, 6 builds, smaller grids, beam width 4")
    p.add_argument("--seed", type=int, default=0, help="seed of every random draw (default 0)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from disco import evaluation
    from disco.errors import DiscoError

    catalog, arrays, predictor, test_ids, card = evaluation.load_inputs()
    settings = evaluation.EvalSettings.for_run(seed=args.seed, quick=args.quick)
    try:
        result = evaluation.evaluate(catalog, arrays, predictor, test_ids, card=card, settings=settings,
                                     progress=not args.no_progress)
    except ValueError as exc:  # e.g. no test playlist found in this catalog
        raise DiscoError(f"cannot evaluate: {exc}") from exc
    print(evaluation.format_report(result))
    print(evaluation.format_runtime(result), file=sys.stderr)  # the one part that depends on the machine
    info = result["settings"]
    if info["test_playlists_missing"]:
        print(f"note: {info['test_playlists_missing']} of {info['test_playlists_in_card']} test playlists "
              "of the model card are not in this catalog and were skipped")
    path = args.json if args.json is not None else (None if args.quick else evaluation.default_json_path())
    if path is not None:
        try:
            evaluation.save_result(result, path)
        except OSError as exc:
            raise DiscoError(f"cannot write {path}: {exc}") from exc
        print(f"wrote {path}")
    return 0
