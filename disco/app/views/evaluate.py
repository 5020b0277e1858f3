"""Evaluate: how good DISCO's playlists are, from the saved evaluation result (or a quick run here)."""

import pandas as pd
import streamlit as st

from disco.app import loaders
from disco.app.errors import user_errors
from disco.errors import ModelError
from disco.evaluation import DEFINITIONS, SLIDER_HELP, EvalSettings, default_json_path, evaluate, load_result
from disco.plots import evaluation as plots
from disco.plots.evaluation import BUILD_LABELS, BUILD_ROW_LABELS, ORDER_LABELS

QUICK_RESULT_KEY = "evaluation_quick_result"


def quick_run() -> dict:
    """A small evaluation (12 test playlists) of the default catalog with the loaded model."""
    disco = loaders.default_disco()
    test_ids = (disco.model.card.get("split_playlists") or {}).get("test")
    if not test_ids:
        raise ModelError("the model card lists no test playlists: retrain with `python -m disco train`")
    return evaluate(disco.catalog, disco.arrays, disco.predictor, list(test_ids), card=disco.model.card,
                    settings=EvalSettings.for_run(quick=True))


def prediction_section(result: dict) -> None:
    pred = result.get("prediction") or {}
    if "mae" not in pred:
        return
    st.subheader("1. Next-song prediction")
    st.dataframe(pd.DataFrame({"test MAE": pred["mae"], "MAE / MAD": pred.get("mae_over_mad", {})}), key="eval_pred")
    st.caption("Mean absolute error of the predicted next song's 8 transformed features (from the model card); "
               "MAE/MAD below 1 = better than knowing nothing about the playlist.")


def retrieval_section(result: dict) -> None:
    st.subheader("2. Next-song retrieval")
    retrieval = pd.DataFrame(result["retrieval"]).T
    left, right = st.columns([2, 3])
    left.dataframe(retrieval.style.format("{:.3f}"), key="eval_retrieval")
    right.plotly_chart(plots.bars(retrieval, ["hit_at_10", "mrr", "r_precision"], "higher is better"),
                       key="eval_retrieval_bars")
    for k in ("hit_at_10", "mrr", "r_precision"):
        st.caption(f"**{k}**: {DEFINITIONS[k]}")
    st.caption("disco ranks by the DJ preset's loss (DISCO's default), disco_reference by the spec's loss.")


def ordering_section(result: dict) -> None:
    st.subheader("3. Ordering a playlist's own songs")
    ordering = pd.DataFrame(result["ordering"]).T
    st.dataframe(ordering.rename(columns=ORDER_LABELS).style.format("{:.3f}", na_rep="-"), key="eval_ordering")
    left, right = st.columns(2)
    left.plotly_chart(plots.bars(ordering, ["camelot_rate", "tempo_rate"], "DJ-compatible moves (higher = smoother)"),
                      key="eval_ordering_rates")
    right.plotly_chart(plots.bars(ordering, ["feature_step", "energy_change", "loss_per_transition"],
                                  "step sizes and reference loss per move (lower = smoother)"),
                       key="eval_ordering_steps")
    info = result.get("ordering_info", {})
    st.caption("Every method starts from the human first song. "
               + " ".join(f"**{m}**: {text}." for m, text in (info.get("methods") or {}).items()))
    if info.get("loss"):
        st.caption(info["loss"])


def builds_section(builds: dict) -> None:
    st.subheader("4. Builds: the DJ targets")
    info = builds["info"]
    st.markdown(f"{info['seeds']} random seed songs from the test playlists, each extended {info['search']}ly to "
                f"{info['length']} songs from a {info['pool']} pool, under DISCO's default **DJ preset** and the "
                f"spec's **reference** scoring; the peak-arc rows add the warm-up -> peak -> cool-down energy curve "
                f"at weight {info['peak_arc_weight']:g}.")
    for check in builds["checks"]:
        (st.success if check["passed"] else st.error)(check["line"])
    rows = pd.DataFrame({BUILD_ROW_LABELS.get(k, k): v for k, v in builds["rows"].items()}).T
    st.dataframe(rows[[c for c in BUILD_LABELS if c in rows]].rename(columns=BUILD_LABELS), key="eval_builds")
    left, right = st.columns(2)
    left.plotly_chart(plots.bars(rows, ["camelot_rate", "tempo_rate", "peak_share"], "share of moves / builds"),
                      key="eval_builds_bars")
    right.plotly_chart(plots.thirds(builds["rows"]), key="eval_builds_thirds")
    grid = pd.DataFrame(builds.get("grid") or [])
    if len(grid):
        st.markdown("**Choosing the defaults**: sweetness x smoothness under the DJ preset's scoring.")
        st.plotly_chart(plots.weight_grid(grid, info.get("targets", {})), key="eval_builds_grid")
        st.dataframe(grid[[c for c in BUILD_LABELS if c in grid]].rename(columns=BUILD_LABELS), hide_index=True,
                     key="eval_builds_grid_table")
    st.caption(f"**step x reference**: {DEFINITIONS['step_ratio']}. **peak shape**: {DEFINITIONS['peak_share']}.")


def sensitivity_section(result: dict) -> None:
    rows = pd.DataFrame(result.get("sensitivity") or [])
    if not len(rows):
        return
    st.subheader("5. What each slider does")
    for slider, text in (result.get("slider_help") or SLIDER_HELP).items():
        st.markdown(f"- **{slider}**: {text}")
    why = (result.get("sensitivity_info") or {}).get("choose_defaults")
    if why:
        st.markdown(f"**Why these defaults**: {why}.")
    metric = st.selectbox("measure", [c for c in ORDER_LABELS if c in rows and c != "relaxed_rate"],
                          format_func=ORDER_LABELS.get, key="eval_metric")
    st.plotly_chart(plots.sensitivity(rows, metric), key="eval_sensitivity")
    st.dataframe(rows.drop(columns=[c for c in ("relaxed_rate",) if c in rows]), hide_index=True,
                 key="eval_sensitivity_table")


def render() -> None:
    st.title("How good are the playlists")
    st.markdown("How DISCO's playlists compare with simple baselines, DJ heuristics and the human order, on the "
                "**test playlists** the network never saw. Computed by `python -m disco evaluate`.")
    with user_errors():
        path = default_json_path()
        result = st.session_state.get(QUICK_RESULT_KEY)
        if st.button("Run a quick evaluation (12 test playlists, about 10 s)", key="quick_eval"):
            with st.spinner("evaluating..."):
                result = st.session_state[QUICK_RESULT_KEY] = quick_run()
        if result is not None:
            st.info("Showing the quick evaluation run here (a smaller sample: noisier numbers).")
        elif path.is_file():
            result = load_result(path)
            info = result.get("settings", {})
            st.caption(f"Saved results: `{path.name}` ({info.get('test_playlists', '?')} test playlists, "
                       f"seed {info.get('seed', '?')}, {result.get('runtime_s', 0):.0f} s).")
        else:
            st.warning(f"No saved evaluation at {path}: run `python -m disco evaluate`, or a quick one above.")
            return
        prediction_section(result)
        retrieval_section(result)
        ordering_section(result)
        if result.get("builds"):
            builds_section(result["builds"])
        sensitivity_section(result)


if __name__ == "__main__":  # run as a page by app.py
    render()
