"""Evaluate: how good DISCO's playlists are, from the saved evaluation JSON (or a quick run here)."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from disco import ui
from disco.commands.evaluate import default_json_path
from disco.evaluation import DEFINITIONS, SLIDER_HELP, load_result

RESULT_KEY = "evaluation_quick_result"
ORDER_COLUMNS = {"camelot_rate": "Camelot-compatible moves", "tempo_rate": "tempo within 6%",
                 "feature_step": "mean feature step", "energy_change": "mean |energy change|",
                 "total_loss": "DISCO loss / playlist", "loss_per_transition": "DISCO loss / move"}


def _bars(frame: pd.DataFrame, columns: list[str], title: str) -> go.Figure:
    fig = go.Figure([go.Bar(name=c, x=frame.index.tolist(), y=frame[c].tolist()) for c in columns])
    fig.update_layout(barmode="group", title=title, height=360, margin=dict(t=50, b=20, l=20, r=20),
                      legend=dict(orientation="h"))
    return fig


def _sensitivity_figure(rows: pd.DataFrame, metric: str) -> go.Figure:
    fig = go.Figure()
    for slider, part in rows.groupby("slider", sort=False):
        fig.add_trace(go.Scatter(x=part["value"], y=part[metric], mode="lines+markers", name=slider))
    fig.update_layout(title=f"{ORDER_COLUMNS.get(metric, metric)} as one slider moves (others at default)",
                      xaxis_title="slider value", yaxis_title=metric, height=380,
                      margin=dict(t=50, b=20, l=20, r=20))
    return fig


def _quick_run() -> dict:
    from disco.commands.evaluate import load_inputs
    from disco.evaluation import EvalSettings, evaluate

    catalog, arrays, predictor, test_ids, card = load_inputs()
    return evaluate(catalog, arrays, predictor, test_ids, card=card, settings=EvalSettings.for_run(quick=True))


def body() -> None:
    st.title("📏 Evaluate")
    st.markdown("How DISCO's playlists compare with simple baselines, DJ heuristics and the human order, "
                "on the **test playlists** the network never saw. Computed by `python -m disco evaluate`.")
    path = default_json_path()
    result = st.session_state.get(RESULT_KEY)
    if st.button("Run a quick evaluation (12 test playlists, about 20 s)", key="quick_eval"):
        with st.spinner("evaluating..."):
            result = st.session_state[RESULT_KEY] = _quick_run()
    if result is not None:
        st.info("Showing the quick evaluation run here (a smaller sample: noisier numbers).")
    elif path.is_file():
        result = load_result(path)
        st.caption(f"Saved results: `{path.name}` ({result['settings'].get('test_playlists', '?')} test playlists, "
                   f"seed {result['settings'].get('seed', '?')}, {result.get('runtime_s', 0):.0f} s).")
    else:
        st.warning(f"No saved evaluation at {path}: run `python -m disco evaluate`, or a quick one above.")
        return

    pred = result.get("prediction") or {}
    if "mae" in pred:
        st.subheader("1. Next-song prediction")
        table = pd.DataFrame({"test MAE": pred["mae"], "MAE / MAD": pred.get("mae_over_mad", {})})
        st.dataframe(table, key="eval_pred")
        st.caption("Mean absolute error of the predicted next song's 8 transformed features (from the model "
                   "card); MAE/MAD below 1 = better than knowing nothing about the playlist.")

    st.subheader("2. Next-song retrieval")
    retrieval = pd.DataFrame(result["retrieval"]).T
    left, right = st.columns([2, 3])
    left.dataframe(retrieval.style.format("{:.3f}"), key="eval_retrieval")
    right.plotly_chart(_bars(retrieval, ["hit_at_10", "mrr", "r_precision"], "higher is better"),
                       key="eval_retrieval_bars")
    for k in ("hit_at_10", "mrr", "r_precision"):
        st.caption(f"**{k}**: {DEFINITIONS[k]}")

    st.subheader("3. Ordering a playlist's own songs")
    ordering = pd.DataFrame(result["ordering"]).T
    st.dataframe(ordering.rename(columns=ORDER_COLUMNS).style.format("{:.3f}"), key="eval_ordering")
    left, right = st.columns(2)
    left.plotly_chart(_bars(ordering, ["camelot_rate", "tempo_rate"], "DJ-compatible moves (higher = smoother)"),
                      key="eval_ordering_rates")
    right.plotly_chart(_bars(ordering, ["feature_step", "energy_change", "loss_per_transition"],
                             "step sizes and loss per move (lower = smoother)"), key="eval_ordering_steps")
    st.caption("Every method starts from the human first song. disco_greedy/disco_beam: DISCO at default "
               "sliders; nearest_neighbour: always the closest song in feature space; camelot_bpm: a "
               "Camelot-compatible key with the closest tempo, like DJ tools; random: a shuffle; human: the "
               "playlist as curated.")

    rows = pd.DataFrame(result.get("sensitivity") or [])
    if len(rows):
        st.subheader("4. What each slider does")
        for slider, text in SLIDER_HELP.items():
            st.markdown(f"- **{slider}**: {text}")
        metric = st.selectbox("measure", list(ORDER_COLUMNS), format_func=ORDER_COLUMNS.get, key="eval_metric")
        st.plotly_chart(_sensitivity_figure(rows, metric), key="eval_sensitivity")
        st.dataframe(rows, hide_index=True, key="eval_sensitivity_table")


ui.run_page(body)
