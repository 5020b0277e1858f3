"""Evaluate: how good DISCO's playlists are, from the saved evaluation result (or a quick run here)."""

import pandas as pd
import streamlit as st

from disco.app.errors import user_errors
from disco.app.reports import evaluation_text
from disco.app.session import loaders
from disco.app.sidebar.controls import WEIGHT_SLIDERS, slider_range
from disco.errors import ModelError
from disco.evaluation import DEFINITIONS, SLIDER_HELP, EvalSettings, default_json_path, evaluate, load_result
from disco.plots import evaluation as plots
from disco.plots import names
from disco.plots.evaluation import BUILD_LABELS, BUILD_ROW_LABELS, ORDER_LABELS

QUICK_RESULT_KEY = "evaluation_quick_result"
SEARCH_WORDS = {"greedy": "greedy", "beam": "beam search"}
MISSING = "—"  # a value a row lacks; st.table reads cells as Markdown, where a lone "-" is a bullet
SLIDER_RANGES = {field: slider_range(field)[:2] for field, *_ in WEIGHT_SLIDERS.values()}  # the sidebar's


def search_words(search) -> str:
    """How the builds searched, in words: one search ("beam search") or one per preset ("DJ preset: beam
    search, reference: greedy")."""
    if isinstance(search, dict):
        names = {"dj": "DJ preset", "reference": "reference"}
        return ", ".join(f"{names.get(k, k)}: {SEARCH_WORDS.get(v, v)}" for k, v in search.items())
    return SEARCH_WORDS.get(search, str(search))


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
    st.table(evaluation_text.predictors_table(pred).style.format("{:.4f}"))
    st.caption("Mean absolute error of the predicted next song's 8 transformed features (from the model card); "
               "MAE/MAD below 1 = better than knowing nothing about the playlist.")


def retrieval_section(result: dict) -> None:
    st.subheader("2. Next-song retrieval")
    retrieval = pd.DataFrame(result["retrieval"]).T
    left, right = st.columns([2, 3])
    left.table(evaluation_text.methods_table(result["retrieval"]).style.format("{:.3f}"))
    right.plotly_chart(plots.bars(retrieval, ["hit_at_10", "mrr", "r_precision"], "Finding the true next song "
                                  "(higher is better)"), key="eval_retrieval_bars")
    for k in ("hit_at_10", "mrr", "r_precision"):
        st.caption(f"**{names.measure(k)}**: {DEFINITIONS[k]}")
    st.caption(f"**{names.method('disco')}** ranks by the DJ preset's loss (DISCO's default), "
               f"**{names.method('disco_reference')}** by the spec's loss.")


def ordering_section(result: dict) -> None:
    st.subheader("3. Ordering a playlist's own songs")
    ordering = pd.DataFrame(result["ordering"]).T
    st.table(evaluation_text.methods_table(result["ordering"]).style.format("{:.3f}", na_rep=MISSING))
    st.plotly_chart(plots.bars(ordering, ["camelot_rate", "tempo_rate"], "DJ-compatible moves (higher = smoother)"),
                    key="eval_ordering_rates")
    st.plotly_chart(plots.bars(ordering, ["feature_step", "energy_change", "loss_per_transition"],
                               "Step sizes and reference loss per move (lower = smoother)"),
                    key="eval_ordering_steps")
    info = result.get("ordering_info", {})
    st.caption("Every method starts from the human first song. "
               + " ".join(f"**{names.method(m)}**: {text}." for m, text in (info.get("methods") or {}).items()))
    if info.get("loss"):
        st.caption(info["loss"])


def builds_section(builds: dict) -> None:
    st.subheader("4. Builds: the DJ targets")
    info = builds["info"]
    st.markdown(f"{info['seeds']} random seed songs from the test playlists, each extended to {info['length']} "
                f"songs from a {info['pool']} pool, under DISCO's default **DJ preset** and the spec's "
                f"**reference** scoring ({search_words(info['search'])}); the peak-arc rows add the warm-up -> "
                f"peak -> cool-down energy curve at weight {info['peak_arc_weight']:g}.")
    for check in builds["checks"]:
        (st.success if check["passed"] else st.error)(check["line"])
    rows = pd.DataFrame({BUILD_ROW_LABELS.get(k, k): v for k, v in builds["rows"].items()}).T
    st.table(rows[[c for c in BUILD_LABELS if c in rows]].rename(columns=BUILD_LABELS).style.format(
        "{:.3g}", na_rep=MISSING))
    left, right = st.columns(2)
    left.plotly_chart(plots.bars(rows, ["camelot_rate", "tempo_rate", "peak_share"], "share of moves / builds"),
                      key="eval_builds_bars")
    right.plotly_chart(plots.thirds(builds["rows"]), key="eval_builds_thirds")
    grid = pd.DataFrame(builds.get("grid") or [])
    if len(grid):
        st.markdown("**Choosing the defaults**: sweetness x smoothness under the DJ preset's scoring.")
        st.plotly_chart(plots.weight_grid(grid, info.get("targets", {})), key="eval_builds_grid")
        st.table(grid[[c for c in BUILD_LABELS if c in grid]].rename(columns=BUILD_LABELS).style.hide().format(
            "{:.3g}", na_rep=MISSING))
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
    st.plotly_chart(plots.sensitivity(rows, metric, SLIDER_RANGES), key="eval_sensitivity")
    st.caption("Each panel spans its slider's range in the sidebar.")
    with st.expander("Every value of the sweep"):
        st.table(evaluation_text.sensitivity_table(rows).style.hide().format(precision=3, na_rep=MISSING))


def render() -> None:
    st.title("How good are the playlists")
    with user_errors():
        summary = st.container()  # the result in one sentence, on top
        st.markdown("The details: how DISCO's playlists compare with simple baselines, DJ heuristics and the human "
                    "order, on the **test playlists** the network never saw (computed by `python -m disco "
                    "evaluate`).")
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
            took = (result.get("runtime") or {}).get("total_s")
            st.caption(f"Saved results: `{path.name}` ({info.get('test_playlists', '?')} test playlists, "
                       f"seed {info.get('seed', '?')}" + ("" if took is None else f", {took:.0f} s") + ").")
        else:
            st.warning(f"No saved evaluation ({path.name} beside the model): run `python -m disco evaluate`, or a "
                       "quick one above.")
            return
        line = evaluation_text.summary(result)
        if line:
            summary.markdown(line)
        prediction_section(result)
        retrieval_section(result)
        ordering_section(result)
        if result.get("builds"):
            builds_section(result["builds"])
        sensitivity_section(result)


if __name__ == "__main__":  # run as a page by app.py
    render()
